"""Parse + default + validate a typical pod with three init containers: median per call.

tinykube: YAML text -> `manifests.parse_documents` (libyaml) -> `admission.admit` (strict decode,
apiserver defaulting, validation, support check). Peer, measured in the same run: the official
`kubernetes` Python client turning the same YAML into its typed `V1Pod` (`yaml.safe_load` +
`ApiClient.deserialize`), which neither defaults nor validates.

Usage: python bench/parse_validate.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import yaml

from tinykube.api import admission, manifests

POD = Path(__file__).with_name("pod-3-init.yaml")


def _median_us(function, rounds: int, batch: int = 50) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(batch):
            function()
        samples.append((time.perf_counter() - start) / batch * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    text = POD.read_text()

    def tinykube_admit() -> None:
        (raw,) = manifests.parse_documents(text, source="pod.yaml")
        admission.admit(raw.raw)

    (raw,) = manifests.parse_documents(text, source="pod.yaml")
    parse_only = _median_us(lambda: manifests.parse_documents(text, source="pod.yaml"), args.rounds)
    admit_only = _median_us(lambda: admission.admit(raw.raw), args.rounds)
    total = _median_us(tinykube_admit, args.rounds)
    results = {
        "tinykube_parse_default_validate_us": round(total, 1),
        "tinykube_yaml_parse_us": round(parse_only, 1),
        "tinykube_decode_default_validate_us": round(admit_only, 1),
    }
    try:
        from kubernetes import client  # type: ignore[import-untyped]
    except ImportError:
        results["peer"] = "kubernetes client not installed"
    else:
        api = client.ApiClient()

        def peer() -> None:
            body = json.dumps(yaml.load(text, Loader=yaml.CSafeLoader))
            api.deserialize(body, "V1Pod", "application/json")

        peer_us = _median_us(peer, args.rounds)
        results["kubernetes_client_parse_to_V1Pod_us"] = round(peer_us, 1)
        results["ratio_tinykube_over_peer"] = round(total / peer_us, 2)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
