/**
 * The route table's matcher, for the paths a Kova app declares: `/` separated segments, each a
 * literal or a whole-segment `:name` parameter. It answers as find-my-way (which it replaced) did
 * with the options the runtime used (case-sensitive, no trailing-slash or duplicate-slash folding,
 * parameters up to 500 characters), checked by a differential test (test/router.test.ts).
 *
 * Why not find-my-way: loading it (and safe-regex2/ret, which it loads to vet regex routes the
 * language cannot declare) was about a third of the runtime's start-up CPU, and compiling its
 * matchers more; this table is built in microseconds. Matching is a walk of a segment tree: a
 * literal child is tried before the parameter child, backtracking when the rest does not match.
 */
import { parse as parseQuery } from "fast-querystring";

export type QueryValues = Record<string, string | string[]>;

export interface RouteMatch<T> {
  /** null: the URL's path is not valid percent-encoding (answered 400, not 404). */
  store: T | null;
  params: Record<string, string>;
  searchParams: QueryValues;
}

/**
 * Longer parameter values match no route (find-my-way's maxParamLength). 4096 characters: a
 * versioned store key (`kova db serve`, up to 1024 bytes) percent-encoded is at most 3072, and it
 * must reach the store to be refused by name rather than fall through to "no route".
 */
export const MAX_PARAM_LENGTH = 4096;

interface Leaf<T> {
  store: T;
  /** Parameter names in path order. */
  names: readonly string[];
}

class Node<T> {
  readonly literals = new Map<string, Node<T>>();
  param: Node<T> | undefined;
  /** The route ending here, per method. */
  readonly leaves = new Map<string, Leaf<T>>();
}

const EMPTY_PARAMS: Record<string, string> = Object.freeze(Object.create(null) as Record<string, string>);

export class Router<T> {
  private readonly root = new Node<T>();
  private readonly methods = new Set<string>();

  /** Adds `method path`; throws when that method already has a route of the same shape. */
  on(methods: string | readonly string[], path: string, store: T): void {
    if (!path.startsWith("/")) throw new Error(`the path must start with "/": ${path}`);
    const names: string[] = [];
    let node = this.root;
    for (const segment of path.slice(1).split("/")) {
      if (segment.startsWith(":")) {
        const name = segment.slice(1);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`"${segment}" is not a parameter segment (":name")`);
        names.push(name);
        node = node.param ??= new Node<T>();
      } else {
        if (/[%?#*:]/.test(segment)) throw new Error(`"${segment}" is not a literal path segment`);
        let next = node.literals.get(segment);
        if (next === undefined) node.literals.set(segment, (next = new Node<T>()));
        node = next;
      }
    }
    for (const method of typeof methods === "string" ? [methods] : methods) {
      if (node.leaves.has(method)) throw new Error(`Method '${method}' already declared for route '${path}'`);
      node.leaves.set(method, { store, names });
      this.methods.add(method);
    }
  }

  /** The route for `method url` (url as node:http gives it: origin-form or absolute-form), or null. */
  find(method: string, url: string): RouteMatch<T> | null {
    if (!this.methods.has(method)) return null;
    let target = url;
    if (target.charCodeAt(0) !== 47 /* / */) {
      const path = pathOfAbsoluteUrl(target);
      if (path === undefined) return null; // neither origin-form nor absolute-form (e.g. `*`)
      if (path === null) return { store: null, params: EMPTY_PARAMS, searchParams: {} };
      target = path;
    }
    let end = target.length;
    for (let i = 1; i < target.length; i++) {
      const c = target.charCodeAt(i);
      if (c === 63 /* ? */ || c === 35 /* # */) {
        end = i;
        break;
      }
    }
    const segments = target.slice(1, end).split("/");
    for (let i = 0; i < segments.length; i++) {
      const raw = segments[i]!;
      if (raw.includes("%")) {
        try {
          segments[i] = decodeURIComponent(raw);
        } catch {
          return { store: null, params: EMPTY_PARAMS, searchParams: {} };
        }
      }
    }
    const values: string[] = [];
    const leaf = this.walk(this.root, segments, 0, method, values);
    if (leaf === null) return null;
    let params = EMPTY_PARAMS;
    if (leaf.names.length > 0) {
      params = Object.create(null) as Record<string, string>;
      for (let i = 0; i < leaf.names.length; i++) params[leaf.names[i]!] = values[i]!;
    }
    const searchParams = end < target.length ? (parseQuery(target.slice(end + 1)) as QueryValues) : {};
    return { store: leaf.store, params, searchParams };
  }

  private walk(node: Node<T>, segments: readonly string[], at: number, method: string, values: string[]): Leaf<T> | null {
    if (at === segments.length) return node.leaves.get(method) ?? null;
    const segment = segments[at]!;
    const literal = node.literals.get(segment);
    if (literal !== undefined) {
      const found = this.walk(literal, segments, at + 1, method, values);
      if (found !== null) return found;
    }
    if (node.param !== undefined && segment.length <= MAX_PARAM_LENGTH) {
      values.push(segment);
      const found = this.walk(node.param, segments, at + 1, method, values);
      if (found !== null) return found;
      values.pop();
    }
    return null;
  }
}

/**
 * The path (with its query) of an absolute-form request target (`http://host/path?q`): undefined
 * when the target is not one, null when it is malformed (a bad URL).
 */
function pathOfAbsoluteUrl(url: string): string | null | undefined {
  const schemeEnd = url.indexOf("://");
  if (schemeEnd === -1) return undefined;
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  if (scheme !== "http" && scheme !== "https") return undefined;
  const authorityStart = schemeEnd + 3;
  const pathStart = url.indexOf("/", authorityStart);
  const queryStart = url.indexOf("?", authorityStart);
  let authorityEnd = pathStart === -1 ? url.length : pathStart;
  if (queryStart !== -1 && queryStart < authorityEnd) authorityEnd = queryStart;
  // A fragment is not valid in a request target; an empty authority is not a URL.
  if (url.includes("#", authorityStart) || authorityEnd === authorityStart) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${scheme}:` || parsed.host.length === 0) return null;
  if (authorityEnd === url.length) return "/";
  if (authorityEnd === queryStart) return `/${url.slice(queryStart)}`;
  return url.slice(pathStart);
}
