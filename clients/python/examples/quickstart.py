"""The docs' Python example (docs/store.md): run against a live `kova db serve`.

    KOVA_STORE_URL=http://127.0.0.1:7878 KOVA_STORE_KEY=kovadb_… python3 examples/quickstart.py
"""
import asyncio
import os

from kova_store import AsyncClient, Client, KeyNotFoundError, delete_item, put_item

db = Client(os.environ["KOVA_STORE_URL"], api_key=os.environ["KOVA_STORE_KEY"])

first = db.put("users", "alice", {"name": "Alice"})
db.put("users", "alice", {"name": "Alice B"})
print(db.get("users", "alice"))                     # {'name': 'Alice B'}
print(db.get("users", "alice", at=first.at))        # {'name': 'Alice'}
print([v.operation for v in db.history("users", "alice")])  # ['insert', 'update']

db.batch([put_item("users", "bob", {"name": "Bob"}), delete_item("users", "alice")])
print([e.key for e in db.list("users", prefix="b").items])   # ['bob']

try:
    db.get("users", "alic")
except KeyNotFoundError as error:
    print(error)   # Key 'users/alic' not found. …


async def main() -> None:
    async with AsyncClient(os.environ["KOVA_STORE_URL"], api_key=os.environ["KOVA_STORE_KEY"]) as adb:
        await adb.put("users", "carol", {"name": "Carol"})
        async for change in adb.watch("users", since=0):
            print(change.version, change.operation, change.key)
            if change.key == "carol":
                break

asyncio.run(main())
