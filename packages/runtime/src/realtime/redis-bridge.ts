/**
 * Rooms across processes and hosts, through Redis pub/sub: used when the app has a Redis data source.
 *
 * One channel per app carries every room's messages (`{ o: origin, r: room, d: data }`); a process
 * skips its own (it delivered them already). Presence lives in one hash per room, each member
 * tagged with its process; a process keeps an "alive" key with a short TTL, so members of a process
 * that died without saying goodbye (kill -9) stop being listed once that key expires.
 *
 * Nothing waits on Redis: commands fail at once while it is down (no offline queue), a publish is
 * then lost for the other processes only, and both connections reconnect by themselves. The
 * connections are the app's shared pub/sub pair (redis-pubsub.ts), which the change feed uses too.
 */
import type { Redis, RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { RedisPubSub } from "../redis-pubsub.js";
import type { Member } from "./hub.js";

const ALIVE_TTL_MS = 15_000;

export class RedisBridge {
  onMessage: (room: string, data: string) => void = () => {};
  private readonly channel: string;
  private readonly prefix: string;
  /** This process's members by room, re-added after Redis comes back. */
  private readonly own = new Map<string, Map<string, Member>>();
  private wasUp: boolean | undefined;
  private readonly timer: NodeJS.Timeout;

  private readonly pub: Redis;

  private constructor(
    private readonly pubsub: RedisPubSub,
    app: string,
    private readonly origin: string,
    private readonly log: Logger,
  ) {
    this.pub = pubsub.publisher;
    this.prefix = `kova:rt:${app}`;
    this.channel = `${this.prefix}:messages`;
    pubsub.subscribe(this.channel, (text) => this.receive(text));
    pubsub.onStatus(() => this.changed());
    this.timer = setInterval(() => this.keepAlive(), ALIVE_TTL_MS / 3);
    this.timer.unref();
  }

  /** Connects lazily: the app starts (and serves its own process) whether or not Redis answers. */
  static async connect(options: RedisOptions, app: string, origin: string, log: Logger): Promise<RedisBridge> {
    return new RedisBridge(await RedisPubSub.acquire(options, app), app, origin, log);
  }

  get up(): boolean {
    return this.pubsub.up;
  }

  private changed(): void {
    const up = this.up;
    if (up === this.wasUp) return;
    // Up again (or for the first time): say at once that this process is alive and who is in its
    // rooms, rather than at the next refresh; until then other processes would not list them.
    if (up) this.keepAlive();
    if (up) this.log.info("realtime: Redis is up; rooms span every process");
    else if (this.wasUp !== undefined) this.log.warn("realtime: Redis is down; sockets and streams keep working within this process");
    this.wasUp = up;
  }

  publish(room: string, data: string): void {
    if (!this.up) return;
    this.pubsub.publish(this.channel, JSON.stringify({ o: this.origin, r: room, d: data })).catch(() => this.changed());
  }

  private receive(text: string): void {
    let parsed: { o?: unknown; r?: unknown; d?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return;
    }
    if (parsed.o === this.origin || typeof parsed.r !== "string" || typeof parsed.d !== "string") return;
    this.onMessage(parsed.r, parsed.d);
  }

  async addMember(room: string, member: Member): Promise<void> {
    let members = this.own.get(room);
    if (members === undefined) this.own.set(room, (members = new Map()));
    members.set(member.id, member);
    if (this.up) await this.pub.hset(`${this.prefix}:members:${room}`, member.id, JSON.stringify({ ...member, p: this.origin })).catch(() => {});
  }

  async removeMember(room: string, id: string): Promise<void> {
    const members = this.own.get(room);
    members?.delete(id);
    if (members?.size === 0) this.own.delete(room);
    if (this.up) await this.pub.hdel(`${this.prefix}:members:${room}`, id).catch(() => {});
  }

  /** Every process's members of the room, without those of processes that stopped refreshing their alive key. */
  async members(room: string): Promise<Member[] | undefined> {
    if (!this.up) return undefined;
    const all = await this.pub.hgetall(`${this.prefix}:members:${room}`);
    const entries = Object.values(all).map((text) => JSON.parse(text) as Member & { p: string });
    const processes = [...new Set(entries.map((e) => e.p))];
    if (processes.length === 0) return [];
    const alive = await this.pub.mget(...processes.map((p) => `${this.prefix}:alive:${p}`));
    const living = new Set(processes.filter((_, i) => alive[i] !== null));
    return entries.filter((e) => living.has(e.p)).map((e) => ({ id: e.id, user: e.user }));
  }

  /** Refreshes this process's alive key, and re-adds its members after Redis came back (or was flushed). */
  private keepAlive(): void {
    if (!this.up) return;
    const batch = this.pub.multi().set(`${this.prefix}:alive:${this.origin}`, "1", "PX", ALIVE_TTL_MS);
    for (const [room, members] of this.own) {
      for (const member of members.values()) batch.hsetnx(`${this.prefix}:members:${room}`, member.id, JSON.stringify({ ...member, p: this.origin }));
    }
    batch.exec().catch(() => {});
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.up) {
      const batch = this.pub.multi().del(`${this.prefix}:alive:${this.origin}`);
      for (const [room, members] of this.own) batch.hdel(`${this.prefix}:members:${room}`, ...members.keys());
      await batch.exec().catch(() => {});
    }
    await this.pubsub.release();
  }
}
