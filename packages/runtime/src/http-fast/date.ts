/** The Date header's value, formatted once per second (as node:http does). */
let cached: string | undefined;

export function utcDate(): string {
  if (cached === undefined) {
    cached = new Date().toUTCString();
    setTimeout(() => (cached = undefined), 1000 - new Date().getMilliseconds()).unref();
  }
  return cached;
}
