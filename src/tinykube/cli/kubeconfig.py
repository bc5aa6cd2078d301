"""`tinykube kubeconfig`: print a kubeconfig for the daemon of a data dir.

The kubeconfig carries what kubectl and the Kubernetes clients need to reach the daemon's TLS
listener: the server URL the daemon last served (`DATA_DIR/api-address`), the CA that signed
its certificate (`certificate-authority-data`, from `DATA_DIR/pki/ca.crt`) and the bearer
token (`DATA_DIR/token`). Cluster, user and context are all named `tinykube`, with namespace
`default`:

    tinykube kubeconfig --data-dir /tmp/tk > ~/.kube/tinykube
    KUBECONFIG=~/.kube/tinykube kubectl get pods

`--server URL` replaces the URL, e.g. to reach a daemon started with `--listen 0.0.0.0:6443
--allow-remote` from another machine (the serving certificate covers the node's name and
addresses). The file holds the token: it is written 0600 by `tinykube serve --kubeconfig-out`;
keep it private.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path

from tinykube import bootstrap, pki

NAME = "tinykube"


class KubeconfigError(Exception):
    """The data dir has no kubeconfig to give (the daemon never ran, or not over TCP)."""


def render(*, server: str, ca_cert_pem: bytes, token: str) -> str:
    """The kubeconfig YAML (strings JSON-quoted: valid YAML whatever they hold)."""
    ca_data = base64.b64encode(ca_cert_pem).decode()
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        f"- name: {NAME}\n"
        "  cluster:\n"
        f"    certificate-authority-data: {ca_data}\n"
        f"    server: {json.dumps(server)}\n"
        "contexts:\n"
        f"- name: {NAME}\n"
        "  context:\n"
        f"    cluster: {NAME}\n"
        f"    user: {NAME}\n"
        "    namespace: default\n"
        f"current-context: {NAME}\n"
        "preferences: {}\n"
        "users:\n"
        f"- name: {NAME}\n"
        "  user:\n"
        f"    token: {json.dumps(token)}\n"
    )


def kubeconfig_for(data_dir: Path, *, server: str | None = None) -> str:
    """The kubeconfig for the daemon of `data_dir`, or KubeconfigError saying why not."""
    try:
        credentials = pki.read_credentials(data_dir)
    except pki.CredentialsMissing as exc:
        raise KubeconfigError(
            f"no tinykube daemon has served the API with data dir {data_dir} ({exc}); "
            f"start one with: tinykube serve --data-dir {data_dir}"
        ) from None
    url = server or pki.read_address(data_dir)
    if url is None:
        raise KubeconfigError(
            f"the tinykube daemon of data dir {data_dir} last ran with --listen none, so it "
            "serves no TCP address; restart it with --listen HOST:PORT or pass --server URL"
        )
    return render(server=url, ca_cert_pem=credentials.ca_cert_pem, token=credentials.token)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (it holds the token)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "kubeconfig",
        help="print a kubeconfig for the daemon (server, CA and token)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the daemon's data dir (default: /var/lib/tinykube as root, "
        "else $XDG_STATE_HOME/tinykube)",
    )
    parser.add_argument(
        "--server",
        metavar="URL",
        help="the server URL to write (default: the address the daemon last served)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    data_dir = (args.data_dir or bootstrap.default_data_dir()).resolve()
    try:
        text = kubeconfig_for(data_dir, server=args.server)
    except KubeconfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except PermissionError as exc:
        print(f"error: cannot read {exc.filename}: permission denied", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0
