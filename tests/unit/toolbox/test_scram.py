"""SCRAM-SHA-256 against the test vector of RFC 7677 §3."""

from __future__ import annotations

import pytest

from tinykube.toolbox import errors, scram

CLIENT_NONCE = "rOprNGfwEbeRWgbNEkqO"
SERVER_FIRST = (
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
)
CLIENT_FINAL = (
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
)
SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def test_rfc7677_exchange() -> None:
    exchange = scram.start(nonce=CLIENT_NONCE, username="user")
    assert exchange.client_first == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    final, exchange = scram.answer(exchange, server_first=SERVER_FIRST, password="pencil")
    assert final == CLIENT_FINAL
    scram.verify(exchange, server_final=SERVER_FINAL)


def test_postgres_style_empty_user_name() -> None:
    assert scram.start(nonce="abc").client_first == "n,,n=,r=abc"


def test_a_wrong_server_signature_is_refused() -> None:
    exchange = scram.start(nonce=CLIENT_NONCE, username="user")
    _, exchange = scram.answer(exchange, server_first=SERVER_FIRST, password="not-pencil")
    with pytest.raises(errors.NotReady, match="signature does not match"):
        scram.verify(exchange, server_final=SERVER_FINAL)


def test_a_server_error_is_reported() -> None:
    exchange = scram.start(nonce=CLIENT_NONCE)
    with pytest.raises(errors.NotReady, match="SCRAM authentication failed: invalid-proof"):
        scram.verify(exchange, server_final="e=invalid-proof")


def test_a_nonce_not_extending_ours_is_refused() -> None:
    exchange = scram.start(nonce=CLIENT_NONCE)
    with pytest.raises(errors.NotReady, match="nonce"):
        scram.answer(exchange, server_first="r=other,s=QUJD,i=4096", password="x")
