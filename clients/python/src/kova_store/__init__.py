"""Client for Kova's versioned store server (``kova db serve``): sync (:class:`Client`) and asyncio (:class:`AsyncClient`).

Standard library only. See docs/store.md in the Kova repository.
"""
from .aio import AsyncClient
from .client import BatchResult, Change, Client, Entry, Instant, Page, Version, Written, delete_item, put_item
from .errors import (
    CollectionNotFoundError,
    InvalidCollectionError,
    InvalidInstantError,
    InvalidKeyError,
    InvalidRequestError,
    InvalidValueError,
    KeyNotFoundError,
    NotFoundError,
    ReadOnlyCollectionError,
    StoreError,
    UnauthorizedError,
    ValueTooLargeError,
)

__all__ = [
    "AsyncClient", "BatchResult", "Change", "Client", "Entry", "Instant", "Page", "Version", "Written", "delete_item", "put_item",
    "CollectionNotFoundError", "InvalidCollectionError", "InvalidInstantError", "InvalidKeyError", "InvalidRequestError",
    "InvalidValueError", "KeyNotFoundError", "NotFoundError", "ReadOnlyCollectionError", "StoreError", "UnauthorizedError",
    "ValueTooLargeError",
]
