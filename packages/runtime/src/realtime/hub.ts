/**
 * Rooms: who listens to what, in this process, and the bridge to the other processes.
 *
 * A room is a name (`lobby`, `room:42`). Its subscribers are socket connections (JOIN) and
 * server-sent event streams (STREAM). `publish` gives the message an id, keeps it in the room's
 * bounded replay buffer (for `Last-Event-ID` resume), delivers it to this process's subscribers at
 * once and, when Redis is configured, to every other process through one pub/sub channel.
 *
 * Redis down: messages still reach this process's subscribers (the bridge reports "down" for the
 * health route and reconnects by itself); nothing waits on Redis.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import type { RedisBridge } from "./redis-bridge.js";

/** One message as subscribers get it: its JSON text and the id streams resume from. */
export interface RoomMessage {
  room: string;
  /** `<process epoch>.<sequence>`: increasing within a process. */
  id: string;
  data: string;
}

export interface Subscriber {
  deliver(message: RoomMessage): void;
}

/** Who is in a room, as presence frames show them: a connection id and its signed-in subject. */
export interface Member {
  id: string;
  user: string | null;
}

export interface HubOptions {
  /** Messages kept per room for resuming streams. Default 100 (KOVA_STREAM_REPLAY). */
  replay?: number;
  /** Rooms whose replay buffer is kept; the least recently used go first. Default 10 000. */
  maxRooms?: number;
}

export interface RealtimeStatus {
  /** "off": no Redis configured (one process); "up"/"down": the cross-process bridge. */
  redis: "off" | "up" | "down";
  connections: number;
  streams: number;
}

export class RealtimeHub {
  readonly epoch = randomBytes(4).toString("hex");
  private sequence = 0;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly buffers = new Map<string, Array<{ seq: number; message: RoomMessage }>>();
  private readonly members = new Map<string, Map<string, Member>>();
  private readonly replay: number;
  private readonly maxRooms: number;
  private bridge: RedisBridge | undefined;
  /** Counted by the socket server and the stream writer, for the health route. */
  connections = 0;
  streams = 0;
  /** Open streams and sockets, ended when the server closes. */
  readonly closers = new Set<() => void>();
  /** The app serves sockets or streams (the health route then reports on realtime). */
  used = false;

  constructor(readonly log: Logger, options: HubOptions = {}) {
    this.replay = options.replay ?? 100;
    this.maxRooms = options.maxRooms ?? 10_000;
  }

  /** From now on messages also go to (and come from) the other processes. */
  attach(bridge: RedisBridge): void {
    this.bridge = bridge;
    bridge.onMessage = (room, data) => this.deliverLocal(room, data);
    // The bridge connects in the background: members who joined before it did are announced now,
    // or other processes would never see them.
    for (const [room, members] of this.members) for (const member of members.values()) void bridge.addMember(room, member);
  }

  subscribe(room: string, subscriber: Subscriber): void {
    let set = this.subscribers.get(room);
    if (set === undefined) this.subscribers.set(room, (set = new Set()));
    set.add(subscriber);
  }

  unsubscribe(room: string, subscriber: Subscriber): void {
    const set = this.subscribers.get(room);
    if (set === undefined) return;
    set.delete(subscriber);
    if (set.size === 0) this.subscribers.delete(room);
  }

  /** Sends `data` (JSON text) to every subscriber of the room, in every process. */
  publish(room: string, data: string): void {
    this.deliverLocal(room, data);
    this.bridge?.publish(room, data);
  }

  private deliverLocal(room: string, data: string): void {
    const seq = ++this.sequence;
    const message: RoomMessage = { room, id: `${this.epoch}.${seq}`, data };
    this.remember(room, seq, message);
    const set = this.subscribers.get(room);
    if (set === undefined) return;
    // A copy: a subscriber dropped while delivering (a slow client) leaves the set.
    for (const subscriber of [...set]) subscriber.deliver(message);
  }

  private remember(room: string, seq: number, message: RoomMessage): void {
    if (this.replay === 0) return;
    let buffer = this.buffers.get(room);
    if (buffer === undefined) {
      if (this.buffers.size >= this.maxRooms) this.buffers.delete(this.buffers.keys().next().value!);
      buffer = [];
    } else this.buffers.delete(room); // re-inserted below: the map's order is least recently used first
    this.buffers.set(room, buffer);
    buffer.push({ seq, message });
    if (buffer.length > this.replay) buffer.shift();
  }

  /**
   * The messages after `lastId` (a `Last-Event-ID`), oldest first. `complete` is false when that id
   * is not in the buffer any more (too old, or from another process or an earlier run): then the
   * stream says so (a `gap` event) and sends what the buffer has.
   */
  since(room: string, lastId: string): { messages: RoomMessage[]; complete: boolean } {
    const buffer = this.buffers.get(room) ?? [];
    const [epoch, seqText] = lastId.split(".");
    const seq = Number(seqText);
    if (epoch !== this.epoch || !Number.isSafeInteger(seq)) return { messages: buffer.map((b) => b.message), complete: false };
    const oldest = buffer[0]?.seq ?? this.sequence + 1;
    // Complete when nothing after lastId was dropped: the buffer starts at or before lastId + 1.
    const complete = seq >= oldest - 1 && seq <= this.sequence;
    return { messages: buffer.filter((b) => b.seq > seq).map((b) => b.message), complete };
  }

  /** Presence: the connection joins the room's member list (this process's list; see members()). */
  addMember(room: string, member: Member): void {
    let map = this.members.get(room);
    if (map === undefined) this.members.set(room, (map = new Map()));
    map.set(member.id, member);
    void this.bridge?.addMember(room, member);
  }

  removeMember(room: string, id: string): void {
    const map = this.members.get(room);
    if (map === undefined) return;
    map.delete(id);
    if (map.size === 0) this.members.delete(room);
    void this.bridge?.removeMember(room, id);
  }

  /** Who is in the room: across processes when Redis is up, this process's members otherwise. */
  async roomMembers(room: string): Promise<Member[]> {
    const local = [...(this.members.get(room)?.values() ?? [])];
    const remote = await this.bridge?.members(room).catch(() => undefined);
    if (remote === undefined) return local;
    const byId = new Map(remote.map((m) => [m.id, m]));
    for (const m of local) byId.set(m.id, m);
    return [...byId.values()];
  }

  status(): RealtimeStatus {
    return { redis: this.bridge === undefined ? "off" : this.bridge.up ? "up" : "down", connections: this.connections, streams: this.streams };
  }

  /** Ends every open stream and socket (the server is shutting down), then leaves Redis. */
  async close(): Promise<void> {
    for (const close of [...this.closers]) close();
    await this.bridge?.close();
  }
}

const registry = new WeakMap<object, RealtimeHub>();

/** The hub of the server using these data sources (tasks and requests find it this way, as they find the task runtime). */
export function realtimeFor(dataSources: object): RealtimeHub | undefined {
  return registry.get(dataSources);
}

export function registerRealtime(dataSources: object, hub: RealtimeHub): void {
  registry.set(dataSources, hub);
}

/** The JSON text a BROADCAST or SEND carries: a query's rows through their compiled serializer. */
export function messageText(value: unknown, serialize?: (value: unknown) => string): string {
  return serialize !== undefined ? serialize(value) : JSON.stringify(value ?? null);
}
