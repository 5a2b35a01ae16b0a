// End-to-end: examples/chat in headless Chromium. Two pages open the page the app serves, join the
// same room and each sees the other's messages (over the real WebSocket); a third page in another
// room sees neither; a message posted over HTTP reaches the pages too; the page runs under its CSP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { EXAMPLES, build, request, startServer, tempApp } from "./e2e/harness.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find(existsSync);

test("chat: two browser pages see each other's messages", { skip: CHROMIUM === undefined ? "no Chromium installed (apt-get install chromium)" : false, timeout: 90_000 }, async (t) => {
  const { chromium } = await import("playwright-core");
  const dir = tempApp(t, join(EXAMPLES, "chat"));
  await build(dir);
  const server = await startServer(t, dir);
  const page = await request(`${server.url}/`);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(page.text, /<title>Kova chat<\/title>/);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  t.after(() => browser.close());
  const violations: string[] = [];
  const open = async (name: string, room: string) => {
    const tab = await browser.newPage();
    tab.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await tab.goto(`${server.url}/`, { waitUntil: "load" });
    await tab.fill("#name", name);
    await tab.fill("#room", room);
    await tab.click("#join button");
    await tab.locator("#status", { hasText: `Connected to ${room}.` }).waitFor({ timeout: 15_000 });
    return tab;
  };
  const say = async (tab: Awaited<ReturnType<typeof open>>, text: string) => {
    await tab.fill("#text", text);
    await tab.click("#send button");
  };
  const ann = await open("ann", "general");
  const bob = await open("bob", "general");
  const cy = await open("cy", "elsewhere");
  await ann.locator("#members", { hasText: "2 connected" }).waitFor({ timeout: 15_000 });

  await say(ann, "hello from ann");
  await bob.locator("#log li", { hasText: "ann: hello from ann" }).waitFor({ timeout: 15_000 });
  await say(bob, "hi ann, bob here");
  await ann.locator("#log li", { hasText: "bob: hi ann, bob here" }).waitFor({ timeout: 15_000 });
  assert.equal(await ann.locator("#log li", { hasText: "ann: hello from ann" }).count(), 1, "the sender sees its own message once");

  const posted = await request(`${server.url}/rooms/general/messages`, { method: "POST", json: { name: "bot", text: "posted over HTTP" } });
  assert.equal(posted.status, 201);
  await bob.locator("#log li", { hasText: "bot: posted over HTTP" }).waitFor({ timeout: 15_000 });

  // A late joiner gets the history; the other room heard nothing.
  const dee = await open("dee", "general");
  await dee.locator("#log li", { hasText: "bob: hi ann, bob here" }).waitFor({ timeout: 15_000 });
  assert.equal(await cy.locator("#log li").count(), 0, "the other room saw none of it");
  assert.deepEqual(violations, [], "the page runs under its CSP without a violation");
});
