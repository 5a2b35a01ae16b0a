// MASKED fields in a STREAM LIVE (issue 21 item 7): every event of the stream — the result at
// once, and again after each write that changes it — shows the masked form, as a REST answer
// does. A real server over HTTP, read as server-sent events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build, delay, request, startServer, tempApp } from "./e2e/harness.js";

const APP = `
ENTITY Member {
  name: text
  ssn: text MASKED
}

POST /members { RESPOND 201 INSERT INTO Member $body }

GET /members/live {
  STREAM LIVE SELECT name, ssn FROM Member ORDER_BY id
}
`;

/** The data of each server-sent event, as they arrive. */
async function events(url: string): Promise<{ data: string[]; close: () => void }> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const data: string[] = [];
  void (async () => {
    let buffer = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) !== -1) {
          const line = buffer.slice(0, end).split("\n").find((l) => l.startsWith("data: "));
          buffer = buffer.slice(end + 2);
          if (line !== undefined) data.push(line.slice(6));
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return { data, close: () => controller.abort() };
}

async function until(list: unknown[], count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (list.length < count && Date.now() < deadline) await delay(20);
  assert.ok(list.length >= count, `only ${list.length} events`);
}

test("STREAM LIVE: each event shows MASKED values masked", async (t) => {
  const dir = tempApp(t, { "app.kova": APP });
  await build(dir);
  const server = await startServer(t, dir);
  await request(`${server.url}/members`, { method: "POST", json: { name: "Ada", ssn: "123-45-6789" } });
  const live = await events(`${server.url}/members/live`);
  await until(live.data, 1);
  assert.deepEqual(JSON.parse(live.data[0]).map((m: { ssn: string }) => m.ssn), ["*******6789"]);
  await request(`${server.url}/members`, { method: "POST", json: { name: "Bob", ssn: "987-65-4321" } });
  await until(live.data, 2);
  assert.deepEqual(JSON.parse(live.data[1]).map((m: { ssn: string }) => m.ssn), ["*******6789", "*******4321"]);
  const all = live.data.join("\n");
  assert.ok(!all.includes("123-45") && !all.includes("987-65"), "no whole value in the stream");
  live.close();
  await server.stop();
});
