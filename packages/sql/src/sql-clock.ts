/** The instant clock is dialect-neutral (see @kova/query instant-clock.ts); re-exported for SQL drivers. */
export { InstantClock } from "@kova/query";
