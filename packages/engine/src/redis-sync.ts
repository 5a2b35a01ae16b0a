/**
 * Engine nodes sharing Redis: L2 of stored programs (so a node that has not seen a program reads it
 * from Redis rather than PostgreSQL) and a channel on which every deploy and rollback is announced,
 * so each node switches the tenant to the new hash at once. A node that misses a message (Redis
 * down) still serves the version it has, and picks up the newest one when it starts.
 */
import type { Redis } from "ioredis";
import type { SecondLevel } from "./program-cache.js";
import type { StoredProgram } from "./store/store.js";

const CHANNEL = "kova:engine:activations";
const PROGRAM_TTL_SECONDS = 24 * 3600;

export interface Activation {
  tenant: string;
  hash: string;
  /** The node that announced it (it has already switched). */
  node: string;
}

export class RedisSync implements SecondLevel {
  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
  ) {}

  static async connect(url: string, prefix: string, onActivation: (a: Activation) => void): Promise<RedisSync> {
    const { Redis } = await import("ioredis");
    const client = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
    const subscriber = new Redis(url, { lazyConnect: true });
    await client.connect();
    await subscriber.connect();
    const channel = `${prefix}${CHANNEL}`;
    await subscriber.subscribe(channel);
    subscriber.on("message", (from: string, message: string) => {
      if (from !== channel) return;
      try {
        const a = JSON.parse(message) as Activation;
        if (typeof a.tenant === "string" && typeof a.hash === "string" && /^[0-9a-f]{64}$/.test(a.hash)) onActivation(a);
      } catch {
        // Not one of ours: ignored.
      }
    });
    return new RedisSync(client, subscriber, prefix);
  }

  async get(hash: string): Promise<StoredProgram | undefined> {
    const text = await this.client.get(`${this.prefix}kova:engine:program:${hash}`);
    if (text === null) return undefined;
    const row = JSON.parse(text) as Omit<StoredProgram, "bytecode"> & { bytecode: string };
    return { ...row, bytecode: new Uint8Array(Buffer.from(row.bytecode, "base64")) };
  }

  async put(program: StoredProgram): Promise<void> {
    const row = { ...program, bytecode: Buffer.from(program.bytecode).toString("base64") };
    await this.client.set(`${this.prefix}kova:engine:program:${program.hash}`, JSON.stringify(row), "EX", PROGRAM_TTL_SECONDS);
  }

  async announce(activation: Activation): Promise<void> {
    await this.client.publish(`${this.prefix}${CHANNEL}`, JSON.stringify(activation));
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
