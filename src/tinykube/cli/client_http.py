"""The client commands' connection to the daemon: stdlib HTTP over its unix socket or a kubeconfig.

`connect(args)` finds the API server as the client commands document it: `--kubeconfig FILE`
(its current context's server, `certificate-authority[-data]`, `insecure-skip-tls-verify` and
bearer `token`), else the socket `DATA_DIR/tinykube.sock` of `--data-dir`, `$TINYKUBE_DATA_DIR`
or the default data dir. `Client.request` sends one request and returns the decoded JSON;
`Client.stream` keeps the response open for watches and followed logs.

Errors (tree):

    ClientError            -- printed as `error: <message>` (exit 1)
    +-- Unreachable        -- no daemon behind the socket / URL
    +-- ApiStatusError     -- the server answered with a metav1.Status failure

Only the stdlib is used (`http.client`, `ssl` when a kubeconfig asks for https), so that a
client command starts quickly.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import socket
import urllib.parse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

TABLE_ACCEPT = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,"
    "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)
JSON = "application/json"
USER_AGENT = "tinykube-client"


class ClientError(Exception):
    """A failure the command reports on one line."""


class Unreachable(ClientError):
    """Nothing answers at the daemon's address."""


class ApiStatusError(ClientError):
    """A `metav1.Status` failure from the server."""

    def __init__(self, status: Mapping[str, Any], code: int) -> None:
        self.status = dict(status)
        self.code = int(status.get("code") or code)
        self.reason = str(status.get("reason") or "")
        self.message = str(status.get("message") or "")
        super().__init__(self.message)

    @property
    def details(self) -> dict[str, Any]:
        details = self.status.get("details")
        return details if isinstance(details, dict) else {}


class Endpoint(msgspec.Struct, frozen=True, kw_only=True):
    """Where the API server is and how to talk to it."""

    display: str  # unix:///path or the kubeconfig's server URL
    socket_path: Path | None = None
    scheme: str = "http"
    host: str = ""
    port: int | None = None
    base_path: str = ""
    token: str = ""
    ca_data: bytes | None = None
    ca_file: str = ""
    insecure: bool = False
    namespace: str = ""  # the kubeconfig context's namespace


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float | None) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if self.timeout is not None:
            sock.settimeout(self.timeout)
        try:
            sock.connect(str(self._path))
        except OSError:
            sock.close()
            raise
        self.sock = sock


def _reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


class Client:
    """One API server; a fresh connection per request (requests are few and short)."""

    def __init__(self, endpoint: Endpoint, *, timeout: float | None = 60.0) -> None:
        self.endpoint = endpoint
        self._timeout = timeout

    def _connection(self, *, timeout: float | None) -> http.client.HTTPConnection:
        endpoint = self.endpoint
        if endpoint.socket_path is not None:
            return _UnixConnection(endpoint.socket_path, timeout)
        if endpoint.scheme == "https":
            import ssl  # noqa: PLC0415 - only for https servers

            context = ssl.create_default_context(cafile=endpoint.ca_file or None)
            if endpoint.ca_data is not None:
                context.load_verify_locations(cadata=endpoint.ca_data.decode("ascii", "replace"))
            if endpoint.insecure:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(
                endpoint.host, endpoint.port, timeout=timeout, context=context
            )
        return http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)

    def _unreachable(self, exc: OSError) -> Unreachable:
        endpoint = self.endpoint
        if endpoint.socket_path is not None:
            return Unreachable(
                f"cannot reach the tinykube daemon at {endpoint.display}: {_reason(exc)}"
                ' — start it with "tinykube serve"'
            )
        if isinstance(exc, ConnectionRefusedError):
            return Unreachable(
                f"The connection to the server {endpoint.host}:{endpoint.port} was refused"
                " - did you specify the right host or port?"
            )
        return Unreachable(f"Unable to connect to the server: {_reason(exc)}")

    def _send(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None,
        body: Any,
        content_type: str,
        accept: str,
        timeout: float | None,
    ) -> http.client.HTTPResponse:
        url = self.endpoint.base_path + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": accept, "User-Agent": USER_AGENT}
        if self.endpoint.token:
            headers["Authorization"] = f"Bearer {self.endpoint.token}"
        data: bytes | None = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
            headers["Content-Type"] = content_type
        connection = self._connection(timeout=timeout)
        try:
            connection.request(method, url, body=data, headers=headers)
            return connection.getresponse()
        except OSError as exc:
            connection.close()
            if isinstance(exc, TimeoutError | socket.timeout):
                raise ClientError(f"the server did not answer {method} {path} in time") from exc
            raise self._unreachable(exc) from exc
        except http.client.HTTPException as exc:
            connection.close()
            raise ClientError(f"bad answer from the server to {method} {path}: {exc}") from exc

    def _raise_for_status(self, response: http.client.HTTPResponse, payload: bytes) -> None:
        if response.status < 400:
            return
        try:
            status = json.loads(payload)
        except ValueError:
            status = None
        if isinstance(status, dict) and status.get("kind") == "Status":
            raise ApiStatusError(status, response.status)
        text = payload.decode(errors="replace").strip()
        raise ApiStatusError(
            {
                "reason": http.client.responses.get(response.status, "Unknown"),
                "message": text or f"the server answered {response.status}",
                "code": response.status,
            },
            response.status,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str = JSON,
        accept: str = JSON,
    ) -> Any:
        """Send one request; the decoded JSON answer, `ApiStatusError` for a failure."""
        response = self._send(
            method,
            path,
            query=query,
            body=body,
            content_type=content_type,
            accept=accept,
            timeout=self._timeout,
        )
        try:
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise ClientError(f"the answer to {method} {path} was cut: {exc}") from exc
        finally:
            response.close()
        self._raise_for_status(response, payload)
        if not payload:
            return None
        try:
            return json.loads(payload)
        except ValueError as exc:
            raise ClientError(f"the server's answer to {method} {path} is not JSON") from exc

    def text(self, path: str, *, query: Mapping[str, str] | None = None) -> bytes:
        """GET a plain-text answer (logs)."""
        response = self._send(
            "GET",
            path,
            query=query,
            body=None,
            content_type=JSON,
            accept="application/json, */*",
            timeout=self._timeout,
        )
        try:
            payload = response.read()
        finally:
            response.close()
        self._raise_for_status(response, payload)
        return payload

    def stream(
        self,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        accept: str = JSON,
        timeout: float | None = None,
        lines: bool = False,
    ) -> Iterator[bytes]:
        """GET a long-lived answer and yield its chunks as they come (whole lines with
        `lines`, as watch events are); `timeout` bounds the wait for each (None: forever)."""
        response = self._send(
            "GET",
            path,
            query=query,
            body=None,
            content_type=JSON,
            accept=accept,
            timeout=timeout,
        )
        try:
            if response.status >= 400:
                self._raise_for_status(response, response.read())
            while True:
                try:
                    chunk = response.readline() if lines else response.read1(65536)
                except (OSError, http.client.HTTPException):
                    return  # the server went away: the stream ends, as kubectl's does
                if not chunk:
                    return
                yield chunk
        finally:
            response.close()

    def watch(
        self,
        path: str,
        *,
        query: Mapping[str, str],
        accept: str = JSON,
        timeout: float | None = None,
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """A watch stream as (type, object); an ERROR event raises its Status."""
        stream = self.stream(
            path, query={**query, "watch": "true"}, accept=accept, timeout=timeout, lines=True
        )
        for line in stream:
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError as exc:
                raise ClientError("the server sent a watch event that is not JSON") from exc
            kind = str(event.get("type", ""))
            obj = event.get("object")
            if not isinstance(obj, dict):
                continue
            if kind == "ERROR":
                raise ApiStatusError(obj, int(obj.get("code") or 500))
            yield kind, obj


# --- finding the server ----------------------------------------------------------------------


def _data_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "data_dir", None):
        return Path(args.data_dir)
    from_env = os.environ.get("TINYKUBE_DATA_DIR")
    if from_env:
        return Path(from_env)
    from tinykube import bootstrap  # noqa: PLC0415 - it pulls in the whole daemon

    return bootstrap.default_data_dir()


# `bootstrap.socket_path` (a test keeps the two equal): importing bootstrap would load the whole
# daemon, which costs a client command most of its start-up time.
SOCKET_NAME = "tinykube.sock"


def _socket_path(data_dir: Path) -> Path:
    return data_dir / SOCKET_NAME


def _named(entries: Any, name: str, field: str, *, what: str) -> dict[str, Any]:
    for entry in entries or ():
        if isinstance(entry, dict) and entry.get("name") == name:
            value = entry.get(field) or {}
            if not isinstance(value, dict):
                raise ClientError(f'invalid kubeconfig: {what} "{name}" is not a mapping')
            return value
    raise ClientError(f'invalid kubeconfig: no {what} named "{name}"')


def _b64(value: Any, field: str) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except ValueError as exc:
        raise ClientError(f"invalid kubeconfig: {field} is not base64") from exc


def endpoint_from_kubeconfig(path: Path) -> Endpoint:
    """The current context's server and credentials, as kubectl reads them."""
    import yaml  # noqa: PLC0415 - only with --kubeconfig

    try:
        config = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise ClientError(f"cannot read the kubeconfig {path}: {_reason(exc)}") from exc
    except yaml.YAMLError as exc:
        raise ClientError(f"invalid kubeconfig {path}: {exc}") from exc
    if not isinstance(config, dict):
        raise ClientError(f"invalid kubeconfig {path}: not a mapping")
    current = config.get("current-context")
    if not current:
        raise ClientError(f"invalid kubeconfig {path}: current-context is not set")
    context = _named(config.get("contexts"), str(current), "context", what="context")
    cluster = _named(
        config.get("clusters"), str(context.get("cluster", "")), "cluster", what="cluster"
    )
    user: dict[str, Any] = {}
    if context.get("user"):
        user = _named(config.get("users"), str(context["user"]), "user", what="user")
    for unsupported in ("client-certificate-data", "client-certificate", "exec", "auth-provider"):
        if user.get(unsupported):
            raise ClientError(f"not supported: kubeconfig user {unsupported} (use a token)")
    server = str(cluster.get("server") or "")
    parsed = urllib.parse.urlsplit(server)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ClientError(f'invalid kubeconfig {path}: server "{server}" is not an http(s) URL')
    token = str(user.get("token") or "")
    if not token and user.get("tokenFile"):
        try:
            token = Path(str(user["tokenFile"])).read_text().strip()
        except OSError as exc:
            raise ClientError(f"cannot read the token file: {_reason(exc)}") from exc
    ca_data = None
    if cluster.get("certificate-authority-data"):
        ca_data = _b64(cluster["certificate-authority-data"], "certificate-authority-data")
    return Endpoint(
        display=server,
        scheme=parsed.scheme,
        host=parsed.hostname,
        port=parsed.port or (443 if parsed.scheme == "https" else 80),
        base_path=parsed.path.rstrip("/"),
        token=token,
        ca_data=ca_data,
        ca_file=str(cluster.get("certificate-authority") or ""),
        insecure=bool(cluster.get("insecure-skip-tls-verify")),
        namespace=str(context.get("namespace") or ""),
    )


def endpoint(args: argparse.Namespace) -> Endpoint:
    """The API server the command talks to (see the module docstring)."""
    kubeconfig = getattr(args, "kubeconfig", None)
    if kubeconfig:
        return endpoint_from_kubeconfig(Path(kubeconfig))
    path = _socket_path(_data_dir(args)).absolute()
    return Endpoint(display=f"unix://{path}", socket_path=path)


def namespace(args: argparse.Namespace, endpoint: Endpoint) -> str:
    return str(getattr(args, "namespace", None) or endpoint.namespace or "default")
