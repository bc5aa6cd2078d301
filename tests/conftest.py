"""Fixtures shared by every test suite: the local CRI endpoint (`scripts/cri-env.sh up` starts it).

A test that needs containerd requests `cri_endpoint`; when the endpoint does not answer, the test
fails (it is not skipped) and says how to start the environment.
"""

from __future__ import annotations

import grpc
import pytest
from cri_api.v1 import api_pb2, api_pb2_grpc

CRI_ENDPOINT = "unix:///run/containerd/containerd.sock"


def check_cri_endpoint(endpoint: str = CRI_ENDPOINT) -> str:
    """The endpoint, once its runtime answered CRI `Version`; fails the test otherwise."""
    try:
        with grpc.insecure_channel(endpoint) as channel:
            api_pb2_grpc.RuntimeServiceStub(channel).Version(api_pb2.VersionRequest(), timeout=5)
    except grpc.RpcError as error:
        pytest.fail(
            f"CRI environment not up: run scripts/cri-env.sh up ({endpoint}: {error.details()})",
            pytrace=False,
        )
    return endpoint


@pytest.fixture(scope="session")
def cri_endpoint() -> str:
    """The CRI endpoint of the local containerd, checked to answer."""
    return check_cri_endpoint()
