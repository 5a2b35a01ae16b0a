"""The asyncio client: the same operations as :class:`kova_store.Client`, awaitable.

Standard library only: each call runs the blocking client in the loop's default executor, so many
calls can be in flight at once without blocking the event loop.
"""
from __future__ import annotations

import asyncio
import functools
from typing import Any, AsyncIterator, Callable, Iterable, List, Mapping, Optional, TypeVar

from .client import BatchResult, Change, Client, Instant, Page, Version, Written

T = TypeVar("T")
_DONE = object()


class AsyncClient:
    """``async with AsyncClient(url, api_key=…) as db: await db.put("users", "alice", {…})``."""

    def __init__(self, url: str, api_key: Optional[str] = None, **options: Any) -> None:
        self._sync = Client(url, api_key, **options)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))

    async def put(self, collection: str, key: str, value: Any) -> Written:
        return await self._run(self._sync.put, collection, key, value)

    async def get(self, collection: str, key: str, *, at: Optional[Instant] = None) -> Any:
        return await self._run(self._sync.get, collection, key, at=at)

    async def get_at(self, collection: str, key: str, at: Instant) -> Any:
        return await self._run(self._sync.get_at, collection, key, at)

    async def delete(self, collection: str, key: str) -> bool:
        return await self._run(self._sync.delete, collection, key)

    async def history(self, collection: str, key: str, *, limit: Optional[int] = None) -> List[Version]:
        return await self._run(self._sync.history, collection, key, limit=limit)

    async def list(self, collection: str, *, prefix: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page:
        return await self._run(self._sync.list, collection, prefix=prefix, limit=limit, cursor=cursor)

    async def collections(self) -> List[str]:
        return await self._run(self._sync.collections)

    async def batch(self, items: Iterable[Mapping[str, Any]]) -> BatchResult:
        return await self._run(self._sync.batch, list(items))

    async def watch(self, collection: str, *, since: Optional[int] = None) -> AsyncIterator[Change]:
        """``async for change in db.watch("users", since=0): …`` (break to stop)."""
        changes = self._sync.watch(collection, since=since)
        try:
            while True:
                change = await self._run(next, changes, _DONE)
                if change is _DONE:
                    return
                yield change  # type: ignore[misc]
        finally:
            await self._run(changes.close)
