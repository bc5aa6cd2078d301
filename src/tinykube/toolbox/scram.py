"""The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677), as PostgreSQL's SASL exchange uses it.

Pure: the client nonce is an argument. PostgreSQL takes the user name from the startup message,
so its clients send an empty `n=`; channel binding is not offered (gs2 header `n,,`).
The password is used as UTF-8 without SASLprep, which is the same for ASCII passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from tinykube.toolbox import errors

MECHANISM = "SCRAM-SHA-256"
_GS2_HEADER = "n,,"


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One SCRAM conversation: the first message sent, and what the server must prove."""

    client_first_bare: str
    password: str
    server_signature: bytes = b""

    @property
    def client_first(self) -> str:
        return _GS2_HEADER + self.client_first_bare


def start(*, nonce: str, username: str = "") -> Exchange:
    return Exchange(client_first_bare=f"n={_escape(username)},r={nonce}", password="")


def answer(exchange: Exchange, *, server_first: str, password: str) -> tuple[str, Exchange]:
    """The client-final message for `server_first`, and the exchange that checks the end."""
    fields = _fields(server_first)
    nonce, salt_b64, iterations = fields.get("r"), fields.get("s"), fields.get("i")
    client_nonce = exchange.client_first_bare.rpartition(",r=")[2]
    if nonce is None or salt_b64 is None or iterations is None or not iterations.isdigit():
        raise errors.NotReady(f"malformed SCRAM server-first message {server_first!r}")
    if not nonce.startswith(client_nonce) or len(nonce) == len(client_nonce):
        raise errors.NotReady("SCRAM: the server's nonce does not extend ours")
    salt = base64.b64decode(salt_b64)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(iterations))
    client_key = _hmac(salted, b"Client Key")
    stored_key = hashlib.sha256(client_key).digest()
    channel = base64.b64encode(_GS2_HEADER.encode()).decode()
    without_proof = f"c={channel},r={nonce}"
    auth_message = f"{exchange.client_first_bare},{server_first},{without_proof}".encode()
    signature = _hmac(stored_key, auth_message)
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    server_key = _hmac(salted, b"Server Key")
    final = f"{without_proof},p={base64.b64encode(proof).decode()}"
    return final, Exchange(
        client_first_bare=exchange.client_first_bare,
        password=password,
        server_signature=_hmac(server_key, auth_message),
    )


def verify(exchange: Exchange, *, server_final: str) -> None:
    """Check the server's signature: it proves the server knows the password too."""
    fields = _fields(server_final)
    if "e" in fields:
        raise errors.NotReady(f"SCRAM authentication failed: {fields['e']}")
    signature = fields.get("v")
    if signature is None or not hmac.compare_digest(
        base64.b64decode(signature), exchange.server_signature
    ):
        raise errors.NotReady("SCRAM: the server's signature does not match (wrong server?)")


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def _fields(message: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in message.split(","):
        key, sep, value = part.partition("=")
        if sep and len(key) == 1:
            fields.setdefault(key, value)
    return fields


def _escape(name: str) -> str:
    return name.replace("=", "=3D").replace(",", "=2C")
