"""Against a live `kova db serve`: KOVA_STORE_URL and KOVA_STORE_KEY (packages/cli/test/db-clients.test.ts sets them)."""
import asyncio
import os
import time
import unittest
from datetime import datetime, timezone

import kova_store
from kova_store import (
    AsyncClient,
    Client,
    CollectionNotFoundError,
    InvalidInstantError,
    InvalidKeyError,
    InvalidRequestError,
    InvalidValueError,
    KeyNotFoundError,
    UnauthorizedError,
    ValueTooLargeError,
    delete_item,
    put_item,
)

URL = os.environ["KOVA_STORE_URL"]
KEY = os.environ["KOVA_STORE_KEY"]
PREFIX = f"py{os.getpid()}"


class SyncClientTest(unittest.TestCase):
    def setUp(self) -> None:
        self.db = Client(URL, api_key=KEY)

    def test_put_get_as_of_history_delete(self) -> None:
        first = self.db.put("people", f"{PREFIX}/ada", {"name": "Ada"})
        time.sleep(0.005)
        second = self.db.put("people", f"{PREFIX}/ada", {"name": "Ada L"})
        self.assertGreater(second.version, first.version)
        self.assertEqual(self.db.get("people", f"{PREFIX}/ada"), {"name": "Ada L"})
        self.assertEqual(self.db.get("people", f"{PREFIX}/ada", at=first.at), {"name": "Ada"})
        as_datetime = datetime.fromisoformat(first.at.replace("Z", "+00:00"))
        self.assertEqual(self.db.get_at("people", f"{PREFIX}/ada", as_datetime), {"name": "Ada"})
        self.assertEqual([v.operation for v in self.db.history("people", f"{PREFIX}/ada")], ["insert", "update"])
        self.assertTrue(self.db.delete("people", f"{PREFIX}/ada"))
        self.assertFalse(self.db.delete("people", f"{PREFIX}/ada"))
        with self.assertRaises(KeyNotFoundError):
            self.db.get("people", f"{PREFIX}/ada")
        self.assertEqual(self.db.get("people", f"{PREFIX}/ada", at=second.at), {"name": "Ada L"})
        self.assertIn("people", self.db.collections())

    def test_list_pages_and_batch(self) -> None:
        result = self.db.batch([put_item("pages", f"{PREFIX}-{i:02}", i) for i in range(25)] + [delete_item("pages", f"{PREFIX}-00")])
        self.assertEqual(result.written, 26)
        page = self.db.list("pages", prefix=PREFIX, limit=10)
        self.assertEqual(len(page.items), 10)
        self.assertIsNotNone(page.cursor)
        self.assertEqual(page.items[0].key, f"{PREFIX}-01")
        following = self.db.list("pages", prefix=PREFIX, limit=10, cursor=page.cursor)
        self.assertEqual(following.items[0].key, f"{PREFIX}-11")
        self.assertEqual([e.value for e in self.db.scan("pages", prefix=PREFIX, page_size=7)], list(range(1, 25)))

    def test_errors_are_typed_and_name_the_input(self) -> None:
        with self.assertRaises(InvalidKeyError) as caught:
            self.db.put("people", "a/../b", 1)
        self.assertIn("'..'", str(caught.exception))
        self.assertEqual(caught.exception.status, 400)
        with self.assertRaises(InvalidKeyError):
            self.db.put("people", "tab\there", 1)
        with self.assertRaises(InvalidKeyError):
            self.db.put("people", "", 1)
        with self.assertRaises(InvalidKeyError):
            self.db.put("people", "k" * 1025, 1)
        with self.assertRaises(InvalidInstantError) as instant:
            self.db.get("people", "x", at="last tuesday")
        self.assertIn("last tuesday", str(instant.exception))
        with self.assertRaises(CollectionNotFoundError):
            self.db.list("nosuchcollection")
        with self.assertRaises(InvalidValueError):
            self.db.put("people", "nan", float("nan"))
        with self.assertRaises(ValueTooLargeError):
            self.db.put("people", "big", "x" * (1024 * 1024 + 10))
        with self.assertRaises(InvalidKeyError) as batch:
            self.db.batch([put_item("people", "ok", 1), {"collection": "people", "key": ""}])
        self.assertEqual(batch.exception.field, "items[1].key")
        with self.assertRaises(InvalidRequestError) as shape:
            self.db.batch([{"collection": "people", "key": "novalue"}])
        self.assertEqual(shape.exception.field, "items[0].value")
        with self.assertRaises(UnauthorizedError):
            Client(URL, api_key="kovadb_wrong").get("people", "x")

    def test_watch_sees_changes_in_order(self) -> None:
        self.db.put("feed", f"{PREFIX}-w", 1)
        self.db.put("feed", f"{PREFIX}-w", 2)
        seen = []
        for change in self.db.watch("feed", since=0):
            if change.key == f"{PREFIX}-w":
                seen.append((change.operation, change.value))
            if len(seen) == 2:
                break
        self.assertEqual(seen, [("insert", 1), ("update", 2)])


class AsyncClientTest(unittest.IsolatedAsyncioTestCase):
    async def test_async_operations_and_watch(self) -> None:
        async with AsyncClient(URL, api_key=KEY) as db:
            written = await asyncio.gather(*(db.put("async", f"{PREFIX}-{i}", {"i": i}) for i in range(10)))
            self.assertEqual(len({w.version for w in written}), 10)
            self.assertEqual(await db.get("async", f"{PREFIX}-3"), {"i": 3})
            self.assertEqual(len((await db.list("async", prefix=PREFIX)).items), 10)
            self.assertEqual(len(await db.history("async", f"{PREFIX}-3")), 1)
            self.assertTrue(await db.delete("async", f"{PREFIX}-3"))
            self.assertEqual((await db.batch([put_item("async", f"{PREFIX}-b", True)])).written, 1)
            self.assertIn("async", await db.collections())
            with self.assertRaises(KeyNotFoundError):
                await db.get("async", f"{PREFIX}-3")
            with self.assertRaises(KeyNotFoundError):
                await db.get_at("async", f"{PREFIX}-3", datetime(2000, 1, 1, tzinfo=timezone.utc))
            keys = []
            async for change in db.watch("async", since=0):
                keys.append(change.key)
                if change.key == f"{PREFIX}-b":
                    break
            self.assertIn(f"{PREFIX}-9", keys)


class PackageTest(unittest.TestCase):
    def test_typed(self) -> None:
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(kova_store.__file__), "py.typed")))


if __name__ == "__main__":
    unittest.main()
