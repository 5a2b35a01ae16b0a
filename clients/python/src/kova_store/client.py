"""A synchronous client for ``kova db serve`` (standard library only: urllib)."""
from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Union

from .errors import StoreError, error_for

Instant = Union[str, int, datetime]
"""An ISO 8601 string, epoch milliseconds, or a timezone-aware datetime."""


@dataclass(frozen=True)
class Written:
    collection: str
    key: str
    version: int
    at: str


@dataclass(frozen=True)
class Version:
    version: int
    operation: str
    at: str
    value: Any


@dataclass(frozen=True)
class Entry:
    key: str
    value: Any


@dataclass(frozen=True)
class Page:
    items: List[Entry]
    cursor: Optional[str]


@dataclass(frozen=True)
class Change:
    collection: str
    key: str
    version: int
    operation: str
    at: str
    value: Any


@dataclass(frozen=True)
class BatchResult:
    written: int
    last_version: Optional[int]


def put_item(collection: str, key: str, value: Any) -> Dict[str, Any]:
    """A batch item that writes ``value``."""
    return {"collection": collection, "key": key, "value": value}


def delete_item(collection: str, key: str) -> Dict[str, Any]:
    """A batch item that deletes the key."""
    return {"collection": collection, "key": key, "delete": True}


def _instant(at: Instant) -> str:
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise ValueError("a datetime instant needs a timezone (datetime.now(timezone.utc))")
        return at.isoformat()
    return str(at)


class Client:
    """``Client("http://127.0.0.1:7878", api_key="kovadb_…")``; every call raises a StoreError subclass on a problem."""

    def __init__(self, url: str, api_key: Optional[str] = None, *, timeout: float = 30.0, ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.ssl_context = ssl_context

    # ---- operations -----------------------------------------------------------------------

    def put(self, collection: str, key: str, value: Any) -> Written:
        """Writes ``value`` (any JSON value) as the key's new version."""
        body = self._request("PUT", self._key_path(collection, key), body=value)
        return Written(body["collection"], body["key"], body["version"], body["at"])

    def get(self, collection: str, key: str, *, at: Optional[Instant] = None) -> Any:
        """The key's value (as of ``at`` when given); KeyNotFoundError when it has none."""
        query = None if at is None else {"at": _instant(at)}
        return self._request("GET", self._key_path(collection, key), query=query)["value"]

    def get_at(self, collection: str, key: str, at: Instant) -> Any:
        """The value the key held at ``at``."""
        return self.get(collection, key, at=at)

    def delete(self, collection: str, key: str) -> bool:
        """Deletes the key's value (a version is recorded); False when it had none."""
        return bool(self._request("DELETE", self._key_path(collection, key))["deleted"])

    def history(self, collection: str, key: str, *, limit: Optional[int] = None) -> List[Version]:
        """Every version of the key, oldest first."""
        body = self._request("GET", self._key_path(collection, key) + "/history", query=None if limit is None else {"limit": limit})
        return [Version(v["version"], v["operation"], v["at"], v["value"]) for v in body["versions"]]

    def list(self, collection: str, *, prefix: Optional[str] = None, limit: Optional[int] = None, cursor: Optional[str] = None) -> Page:
        """One page of keys in order; pass ``page.cursor`` back for the next."""
        query: Dict[str, Any] = {k: v for k, v in (("prefix", prefix), ("limit", limit), ("cursor", cursor)) if v is not None}
        body = self._request("GET", f"/v1/kv/{self._segment(collection)}", query=query)
        return Page([Entry(i["key"], i["value"]) for i in body["items"]], body.get("cursor"))

    def scan(self, collection: str, *, prefix: Optional[str] = None, page_size: int = 1000) -> Iterator[Entry]:
        """Every entry (with the prefix), page after page."""
        cursor: Optional[str] = None
        while True:
            page = self.list(collection, prefix=prefix, limit=page_size, cursor=cursor)
            yield from page.items
            if page.cursor is None:
                return
            cursor = page.cursor

    def collections(self) -> List[str]:
        return list(self._request("GET", "/v1/collections")["collections"])

    def batch(self, items: Iterable[Mapping[str, Any]]) -> BatchResult:
        """Writes all items in one transaction (all or none): see put_item and delete_item."""
        body = self._request("POST", "/v1/batch", body={"items": list(items)})
        return BatchResult(body["written"], body.get("lastVersion"))

    def watch(self, collection: str, *, since: Optional[int] = None) -> Iterator[Change]:
        """The collection's changes as they commit (server-sent events); ``since=0`` starts from the first.

        Reconnects after a dropped connection, resuming after the last change seen. Break out of
        the loop (or close the generator) to stop.
        """
        last = since
        while True:
            query = None if last is None else {"since": last}
            request = self._build("GET", f"/v1/watch/{self._segment(collection)}", query=query, accept="text/event-stream")
            try:
                with self._open(request, timeout=None) as response:
                    for change in _events(response):
                        last = change.version
                        yield change
            except (ConnectionError, urllib.error.URLError) as error:
                if isinstance(error, urllib.error.HTTPError):
                    raise self._problem(error) from None
                continue

    # ---- plumbing -------------------------------------------------------------------------

    @staticmethod
    def _segment(text: str) -> str:
        return urllib.parse.quote(text, safe="")

    def _key_path(self, collection: str, key: str) -> str:
        return f"/v1/kv/{self._segment(collection)}/{self._segment(key)}"

    def _build(self, method: str, path: str, *, query: Optional[Mapping[str, Any]] = None, body: Any = None, has_body: bool = False, accept: str = "application/json") -> urllib.request.Request:
        url = self.url + path + ("" if not query else "?" + urllib.parse.urlencode(query))
        headers = {"accept": accept}
        if self.api_key is not None:
            headers["x-api-key"] = self.api_key
        data = None
        if has_body:
            data = json.dumps(body, allow_nan=False).encode("utf-8")
            headers["content-type"] = "application/json"
        return urllib.request.Request(url, data=data, method=method, headers=headers)

    def _open(self, request: urllib.request.Request, timeout: Optional[float]) -> Any:
        return urllib.request.urlopen(request, timeout=timeout, context=self.ssl_context)

    def _request(self, method: str, path: str, *, query: Optional[Mapping[str, Any]] = None, body: Any = ..., ) -> Dict[str, Any]:
        has_body = body is not ...
        if has_body:
            try:
                json.dumps(body, allow_nan=False)
            except (TypeError, ValueError) as error:
                from .errors import InvalidValueError

                raise InvalidValueError(0, {"type": "urn:kova:problem:store:invalid-value", "detail": f"the value is not JSON: {error}", "code": "invalid-value"}) from None
        request = self._build(method, path, query=query, body=None if not has_body else body, has_body=has_body)
        try:
            with self._open(request, self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise self._problem(error) from None

    @staticmethod
    def _problem(error: urllib.error.HTTPError) -> StoreError:
        text = error.read().decode("utf-8", "replace")
        try:
            problem = json.loads(text)
            if not isinstance(problem, dict):
                raise ValueError
        except ValueError:
            problem = {"detail": text or f"HTTP {error.code}"}
        return error_for(error.code, problem)


def _events(response: Any) -> Iterator[Change]:
    """Server-sent events' data lines as Changes (comments and retry lines skipped)."""
    data: List[str] = []
    for raw in response:
        line = raw.decode("utf-8").rstrip("\r\n")
        if line == "":
            if data:
                c = json.loads("\n".join(data))
                yield Change(c["collection"], c["key"], c["version"], c["operation"], c["at"], c.get("value"))
                data = []
            continue
        if line.startswith("data:"):
            data.append(line[6:] if line.startswith("data: ") else line[5:])
