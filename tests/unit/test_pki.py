"""The daemon's credentials: what makes a serving certificate reusable, and the token parsing
of the API's authentication middleware."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest

from tinykube import pki
from tinykube.server import auth

NOW = datetime.datetime(2026, 11, 27, 5, 0, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def ca() -> tuple[bytes, bytes]:
    return pki.generate_ca(now=NOW)


def test_a_serving_certificate_fits_its_hosts_ca_and_lifetime(ca: tuple[bytes, bytes]) -> None:
    ca_cert, ca_key = ca
    cert, _ = pki.issue_serving_cert(ca_cert, ca_key, hosts=["10.0.0.5", "node-1"], now=NOW)
    assert pki.serving_cert_fits(cert, ca_cert, hosts=["node-1", "::1", "localhost"], now=NOW)
    assert pki.serving_cert_fits(cert, ca_cert, hosts=["[0:0::1]", "10.0.0.5"], now=NOW)
    assert not pki.serving_cert_fits(cert, ca_cert, hosts=["10.0.0.6"], now=NOW)
    renew = NOW + pki.SERVING_VALIDITY - pki.RENEW_BEFORE
    assert not pki.serving_cert_fits(cert, ca_cert, hosts=[], now=renew)
    other_ca, _ = pki.generate_ca(now=NOW)
    assert not pki.serving_cert_fits(cert, other_ca, hosts=[], now=NOW)
    assert not pki.serving_cert_fits(b"garbage", ca_cert, hosts=[], now=NOW)


def test_credentials_are_created_once_and_reissued_for_a_new_host(tmp_path: Path) -> None:
    first = pki.ensure_credentials(tmp_path, hosts=["127.0.0.1"], now=NOW)
    cert = first.cert_path.read_bytes()
    again = pki.ensure_credentials(tmp_path, hosts=["localhost"], now=NOW)
    assert again == first and again.cert_path.read_bytes() == cert
    moved = pki.ensure_credentials(tmp_path, hosts=["192.0.2.7"], now=NOW)
    assert (moved.token, moved.ca_cert_pem) == (first.token, first.ca_cert_pem)
    assert moved.cert_path.read_bytes() != cert
    assert pki.read_credentials(tmp_path) == moved
    context = pki.server_ssl_context(moved)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_reading_credentials_that_were_never_made(tmp_path: Path) -> None:
    with pytest.raises(pki.CredentialsMissing, match=r"ca\.crt does not exist"):
        pki.read_credentials(tmp_path)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("  Bearer abc  ", "abc"),
        ("Bearer abc extra", "abc"),
        ("Bearer ", None),
        ("Bearer  abc", ""),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer", None),
        ("", None),
    ],
)
def test_bearer_token_is_read_as_the_apiserver_reads_it(header: str, token: str | None) -> None:
    assert auth.bearer_token(header) == token


def test_token_comparison() -> None:
    assert auth.token_matches("abc", "abc")
    assert not auth.token_matches("abd", "abc")
    assert not auth.token_matches("ab", "abc")
