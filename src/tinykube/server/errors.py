"""Every failure as a `metav1.Status` JSON response, with the apiserver's codes and reasons.

`status_response` is the one place a Status is written. Store errors (`store.contract`) and
admission errors (`api.admission`) carry their messages already; this module only maps them.
The `middleware` is the last resort: any `ApiError` becomes its Status, aiohttp's own HTTP
errors (unknown path, wrong method) become the apiserver's 404/405, and anything unexpected is
logged and answered with a 500 InternalError, never with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

import msgspec
from aiohttp import web

from tinykube.api import admission
from tinykube.store import contract

_log = logging.getLogger(__name__)

JSON: Final = "application/json"

NOT_FOUND_MESSAGE: Final = "the server could not find the requested resource"
METHOD_NOT_ALLOWED_MESSAGE: Final = (
    "the server does not allow this method on the requested resource"
)


class ApiError(Exception):
    """An error answered with a Status: code, reason, message and optional details."""

    def __init__(
        self, code: int, reason: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details


def status_body(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details:
        body["details"] = details
    body["code"] = code
    return body


def json_response(body: Any, *, status: int = 200, content_type: str = JSON) -> web.Response:
    return web.Response(
        body=msgspec.json.encode(body),
        status=status,
        headers={"Content-Type": content_type},
    )


def status_response(error: ApiError) -> web.Response:
    body = status_body(error.code, error.reason, error.message, error.details)
    return json_response(body, status=error.code)


def not_found_path() -> ApiError:
    return ApiError(404, "NotFound", NOT_FOUND_MESSAGE)


def method_not_allowed() -> ApiError:
    return ApiError(405, "MethodNotAllowed", METHOD_NOT_ALLOWED_MESSAGE)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


BODY_MEDIA_TYPES: Final = ("application/json", "application/yaml")


def unsupported_media_type(accepted: tuple[str, ...] = BODY_MEDIA_TYPES) -> ApiError:
    """`errors.NewUnsupportedMediaTypeError` with the media types the server decodes there."""
    message = (
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted)
    )
    return ApiError(415, "UnsupportedMediaType", message)


def from_store(error: contract.StoreError) -> ApiError:
    """A store error's Status (`details` name the object, as `errors.NewNotFound` does)."""
    details: dict[str, Any] = {}
    if error.name:
        details["name"] = error.name
    if error.resource:
        details["kind"] = error.resource
    return ApiError(error.code, error.reason, error.message, details or None)


def from_invalid(error: admission.InvalidError) -> ApiError:
    """`errors.NewInvalid`: 422 with one cause per field error (`details.kind` is the Kind)."""
    causes = [
        {"reason": field.type.cause_reason, "message": field.body(), "field": field.field}
        for field in error.errors
    ]
    details = {"name": error.name, "kind": error.kind, "causes": causes}
    return ApiError(422, "Invalid", str(error), details)


def from_decode(error: admission.DecodeError) -> ApiError:
    return bad_request(str(error))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into a Status (see the module docstring)."""
    try:
        return await handler(request)
    except ApiError as error:
        return status_response(error)
    except contract.StoreError as error:
        return status_response(from_store(error))
    except web.HTTPMethodNotAllowed:
        return status_response(method_not_allowed())
    except web.HTTPNotFound:
        return status_response(not_found_path())
    except web.HTTPException as error:
        return status_response(
            ApiError(error.status, error.reason.replace(" ", ""), error.text or error.reason)
        )
    except Exception:
        _log.exception("internal error serving %s %s", request.method, request.path_qs)
        return status_response(
            ApiError(
                500,
                "InternalError",
                "an error on the server has prevented the request from succeeding",
            )
        )
