import { connect as tcpConnect } from "node:net";

/** A driver the suite runs against, and how to point a program at a clean database for it. */
export interface Target {
  driver: string;
  label: string;
  /** False for databases no server of which can run on this machine (the suite cannot fail on them). */
  serverExpected?: boolean;
  /** The programs this driver can run (a key-value store cannot run arbitrary filters). */
  programs: Array<"full" | "kv">;
  /** Prepares a clean database; `connect` is the CONNECT line to prepend (null: the embedded default). */
  prepare(runId: string): Promise<Prepared | Unavailable>;
}

export interface Prepared {
  ok: true;
  connect: string | null;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface Unavailable {
  ok: false;
  reason: string;
}

/** Is something listening at host:port? (A quick probe; the driver itself reports real errors.) */
export function reachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export async function packageInstalled(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

export const embeddedTarget: Target = {
  driver: "embedded",
  label: "embedded (SQLite)",
  programs: ["full", "kv"],
  async prepare() {
    return { ok: true, connect: null, env: {}, cleanup: async () => undefined };
  },
};

/** Every target the suite knows; drivers without a package or a server are reported as skipped. */
export async function allTargets(): Promise<Target[]> {
  await import("./targets-servers.js");
  const targets: Target[] = [embeddedTarget];
  for (const loader of TARGET_LOADERS) {
    const target = await loader();
    if (target) targets.push(target);
  }
  return targets;
}

/** Further targets register here (one module per database, see targets-*.ts). */
export const TARGET_LOADERS: Array<() => Promise<Target | undefined>> = [];
