"""The server's RFC 9457 problems as exceptions, one class per problem type.

Every exception carries the problem's ``detail`` (naming the input and the fix) as its message,
and the whole problem as ``problem``; catch :class:`StoreError` for any of them.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type


class StoreError(Exception):
    """A request the server refused (or could not answer)."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.problem: Dict[str, Any] = dict(problem)
        self.type: str = str(problem.get("type", "about:blank"))
        self.code: Optional[str] = problem.get("code")
        self.detail: str = str(problem.get("detail", problem.get("title", f"HTTP {status}")))
        self.hint: Optional[str] = problem.get("hint")
        self.field: Optional[str] = problem.get("field")
        super().__init__(self.detail)


class InvalidKeyError(StoreError):
    """A key that is empty, too long, holds control characters or a '..' segment."""


class InvalidCollectionError(StoreError):
    """A collection name that is not letters, digits and '_' starting with a letter."""


class InvalidValueError(StoreError):
    """A value that is not JSON, or a request body that is not JSON."""


class ValueTooLargeError(InvalidValueError):
    """A value (or a request body) over the server's size limit."""


class InvalidInstantError(StoreError):
    """An instant that is not ISO 8601 or epoch milliseconds."""


class NotFoundError(StoreError):
    """A missing collection or key."""


class CollectionNotFoundError(NotFoundError):
    """A collection that was never written."""


class KeyNotFoundError(NotFoundError):
    """A key with no value (now, or at the instant asked for)."""


class ReadOnlyCollectionError(StoreError):
    """A Kova app's typed entity: the store reads it but does not write it."""


class InvalidRequestError(StoreError):
    """Another bad input: a limit, cursor, batch item or query parameter."""


class UnauthorizedError(StoreError):
    """No API key, or one the server does not know (revoked?)."""


_BY_TYPE: Dict[str, Type[StoreError]] = {
    "urn:kova:problem:store:invalid-key": InvalidKeyError,
    "urn:kova:problem:store:invalid-collection": InvalidCollectionError,
    "urn:kova:problem:store:invalid-value": InvalidValueError,
    "urn:kova:problem:store:missing-value": InvalidValueError,
    "urn:kova:problem:malformed-json": InvalidValueError,
    "urn:kova:problem:unsupported-media-type": InvalidValueError,
    "urn:kova:problem:store:value-too-large": ValueTooLargeError,
    "urn:kova:problem:payload-too-large": ValueTooLargeError,
    "urn:kova:problem:store:invalid-instant": InvalidInstantError,
    "urn:kova:problem:store:collection-not-found": CollectionNotFoundError,
    "urn:kova:problem:store:key-not-found": KeyNotFoundError,
    "urn:kova:problem:not-found": NotFoundError,
    "urn:kova:problem:store:read-only-collection": ReadOnlyCollectionError,
    "urn:kova:problem:store:invalid-limit": InvalidRequestError,
    "urn:kova:problem:store:invalid-cursor": InvalidRequestError,
    "urn:kova:problem:store:invalid-batch": InvalidRequestError,
    "urn:kova:problem:invalid-parameter": InvalidRequestError,
    "urn:kova:problem:validation-failed": InvalidRequestError,
    "urn:kova:problem:unauthorized": UnauthorizedError,
}


def error_for(status: int, problem: Mapping[str, Any]) -> StoreError:
    """The exception for a problem response (by its type, else by its status)."""
    cls = _BY_TYPE.get(str(problem.get("type", "")))
    errors = problem.get("errors")
    if cls is InvalidRequestError and isinstance(errors, list) and any(isinstance(e, dict) and e.get("field") == "key" for e in errors):
        # An empty key in the URL path: the server's parameter check refuses it before the store does.
        cls = InvalidKeyError
    if cls is None:
        cls = UnauthorizedError if status == 401 else NotFoundError if status == 404 else ValueTooLargeError if status == 413 else StoreError
    return cls(status, problem)
