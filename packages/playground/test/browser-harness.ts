/**
 * What the playground's Chromium tests share: Debian's chromium driven by playwright-core (no
 * browser download), a static server for the built site on 127.0.0.1 (a secure context, so OPFS
 * and localStorage are there), and the skip rule: without Chromium a loud skip locally, a failure
 * with CI=true.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find(existsSync);

export const SKIP_WITHOUT_CHROMIUM: string | false = CHROMIUM === undefined && process.env.CI !== "true" ? "no Chromium installed (apt-get install chromium)" : false;

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm", ".map": "application/json" };

/** Serves `dir` on 127.0.0.1: on KOVA_PLAYGROUND_TEST_PORT when set (a port you were given), else one the OS picks. */
export async function serve(dir: string, port = Number(process.env.KOVA_PLAYGROUND_TEST_PORT ?? 0)): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

/** Headless Chromium as CI runs it (no sandbox as root, no GPU, no /dev/shm reliance). */
export async function launchChromium() {
  if (CHROMIUM === undefined) throw new Error("CI=true and no Chromium: apt-get install chromium");
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}
