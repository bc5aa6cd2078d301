"""The daemon's API credentials: a self-signed CA, the API server's certificate, a bearer token.

`ensure_credentials(data_dir, hosts=..., now=...)` is what `tinykube serve` calls at every start:
the first start generates everything (EC P-256 keys: a few milliseconds), later starts reuse it.
The serving certificate is issued again, with the same CA, when it does not cover every host the
API is reached at (another `--listen` host), was not signed by the CA on disk, or expires within
`RENEW_BEFORE`. `read_credentials(data_dir)` is what `tinykube kubeconfig` reads; it never
writes, and raises `CredentialsMissing` when no daemon ever ran with that data dir.

Files (the layout kubeadm uses for its apiserver, under the data dir):

    DATA_DIR/pki/            0700
        ca.crt               0644   the CA that clients trust (certificate-authority-data)
        ca.key               0600
        apiserver.crt        0644   serving certificate; SANs: 127.0.0.1, ::1, localhost, hosts
        apiserver.key        0600
    DATA_DIR/token           0600   the bearer token every TCP request must carry
    DATA_DIR/api-address     0644   the https:// URL the daemon serves, for `tinykube kubeconfig`

Every file is written whole to a temporary name with its final mode, then renamed, so a crash
never leaves a half-written key and a key is never readable by others, even briefly.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import secrets
import ssl
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import msgspec
from cryptography import exceptions, x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_VALIDITY: Final = datetime.timedelta(days=3650)  # kubeadm: 10 years
SERVING_VALIDITY: Final = datetime.timedelta(days=365)  # kubeadm: 1 year
RENEW_BEFORE: Final = datetime.timedelta(days=30)
CLOCK_SKEW: Final = datetime.timedelta(minutes=5)  # notBefore in the past, for skewed clients
DEFAULT_HOSTS: Final = ("127.0.0.1", "::1", "localhost")
CA_NAME: Final = "tinykube-ca"
SERVING_NAME: Final = "kube-apiserver"


class CredentialsMissing(Exception):
    """No daemon ever ran with this data dir (or its credentials were removed)."""


class Credentials(msgspec.Struct, frozen=True, kw_only=True):
    """Where the credentials are, and the two values clients need (CA and token)."""

    ca_cert_pem: bytes
    token: str
    cert_path: Path
    key_path: Path


def pki_dir(data_dir: Path) -> Path:
    return data_dir / "pki"


def token_path(data_dir: Path) -> Path:
    return data_dir / "token"


def address_path(data_dir: Path) -> Path:
    return data_dir / "api-address"


# --- generation (no I/O) ---------------------------------------------------------------------


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def generate_ca(*, now: datetime.datetime) -> tuple[bytes, bytes]:
    """A self-signed CA: (certificate PEM, key PEM)."""
    key = _new_key()
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(CA_NAME))
        .issuer_name(_name(CA_NAME))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def _san(hosts: Iterable[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in _unique(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _unique(hosts: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for given in (*DEFAULT_HOSTS, *hosts):
        host = given.strip("[]")
        if host:
            seen.setdefault(host, None)
    return list(seen)


def issue_serving_cert(
    ca_cert_pem: bytes, ca_key_pem: bytes, *, hosts: Iterable[str], now: datetime.datetime
) -> tuple[bytes, bytes]:
    """A serving certificate signed by the CA for `hosts` and `DEFAULT_HOSTS`: (cert, key)."""
    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError("the CA key is not an EC key")
    key = _new_key()
    public = key.public_key()
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(SERVING_NAME))
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + SERVING_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .add_extension(_san(hosts), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def serving_cert_fits(
    cert_pem: bytes, ca_cert_pem: bytes, *, hosts: Iterable[str], now: datetime.datetime
) -> bool:
    """Whether a serving certificate can be kept: signed by this CA, covers every host, and
    valid for at least `RENEW_BEFORE` more."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
        ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
        cert.verify_directly_issued_by(ca_cert)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, x509.ExtensionNotFound, exceptions.InvalidSignature):
        return False
    covered = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    covered |= set(san.get_values_for_type(x509.DNSName))
    wanted = {_normal_host(host) for host in _unique(hosts)}
    if not wanted <= covered:
        return False
    return cert.not_valid_after_utc - now > RENEW_BEFORE and cert.not_valid_before_utc <= now


def _normal_host(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def new_token() -> str:
    """A bearer token: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


# --- the data dir ----------------------------------------------------------------------------


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` atomically, created with `mode` (never wider, even briefly)."""
    temporary = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have narrowed it: make it exact
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def _ensure_private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


def ensure_credentials(
    data_dir: Path, *, hosts: Iterable[str], now: datetime.datetime
) -> Credentials:
    """Load the credentials in `data_dir`, creating what is missing (see the module docstring)."""
    hosts = list(hosts)
    pki = pki_dir(data_dir)
    _ensure_private_dir(pki)
    ca_cert_path, ca_key_path = pki / "ca.crt", pki / "ca.key"
    cert_path, key_path = pki / "apiserver.crt", pki / "apiserver.key"
    if not (ca_cert_path.exists() and ca_key_path.exists()):
        ca_cert, ca_key = generate_ca(now=now)
        _write(ca_key_path, ca_key, 0o600)
        _write(ca_cert_path, ca_cert, 0o644)
        for stale in (cert_path, key_path):  # signed by a CA that is gone
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
    ca_cert = ca_cert_path.read_bytes()
    current = cert_path.read_bytes() if cert_path.exists() and key_path.exists() else b""
    if not current or not serving_cert_fits(current, ca_cert, hosts=hosts, now=now):
        cert, key = issue_serving_cert(ca_cert, ca_key_path.read_bytes(), hosts=hosts, now=now)
        _write(key_path, key, 0o600)
        _write(cert_path, cert, 0o644)
    for private in (ca_key_path, key_path):
        if private.stat().st_mode & 0o077:
            private.chmod(0o600)
    tokens = token_path(data_dir)
    token = tokens.read_text().strip() if tokens.exists() else ""
    if not token:
        token = new_token()
        _write(tokens, token.encode() + b"\n", 0o600)
    elif tokens.stat().st_mode & 0o077:
        tokens.chmod(0o600)
    return Credentials(ca_cert_pem=ca_cert, token=token, cert_path=cert_path, key_path=key_path)


def read_credentials(data_dir: Path) -> Credentials:
    """The credentials a client needs, or CredentialsMissing (this never writes)."""
    pki = pki_dir(data_dir)
    ca_cert_path, tokens = pki / "ca.crt", token_path(data_dir)
    try:
        ca_cert = ca_cert_path.read_bytes()
        token = tokens.read_text().strip()
    except FileNotFoundError as exc:
        raise CredentialsMissing(f"{exc.filename} does not exist") from None
    if not token:
        raise CredentialsMissing(f"{tokens} is empty")
    return Credentials(
        ca_cert_pem=ca_cert,
        token=token,
        cert_path=pki / "apiserver.crt",
        key_path=pki / "apiserver.key",
    )


def record_address(data_dir: Path, url: str | None) -> None:
    """Remember the URL the API is served at (None: not served over TCP at all)."""
    path = address_path(data_dir)
    if url is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    _write(path, url.encode() + b"\n", 0o644)


def read_address(data_dir: Path) -> str | None:
    try:
        return address_path(data_dir).read_text().strip() or None
    except FileNotFoundError:
        return None


def server_ssl_context(credentials: Credentials) -> ssl.SSLContext:
    """The API server's TLS context: TLS 1.2+, HTTP/1.1 offered through ALPN."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(credentials.cert_path, credentials.key_path)
    context.set_alpn_protocols(["http/1.1"])
    return context
