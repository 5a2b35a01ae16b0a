/**
 * Request checks shared by the Express, Hono and raw node:http apps (the same function in all
 * three, so none does less work than another). Fastify uses its own JSON-schema path instead
 * (order-schema.mjs), which is the idiomatic fast way there. The rules are those of the Kova app's
 * `VALIDATE Order` (bench/apps/kova/app.kova): every issue is reported, unknown fields rejected.
 */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const COUPON = /^[A-Z0-9]{6}$/u;
const ZIP = /^[0-9]{5}$/u;
const CURRENCIES = ["EUR", "USD", "GBP"];
const ORDER_FIELDS = new Set(["customer", "email", "quantity", "price", "currency", "express", "note", "tags", "coupon", "address"]);
const ADDRESS_FIELDS = new Set(["street", "city", "zip"]);

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const absent = (v) => v === undefined || v === null;

function checkString(issues, field, v, { min, max, pattern, required = true } = {}) {
  if (absent(v)) {
    if (required) issues.push({ field, message: "is required" });
    return;
  }
  if (typeof v !== "string") return issues.push({ field, message: "must be a string" });
  if (min !== undefined && v.length < min) issues.push({ field, message: `must be at least ${min} character${min === 1 ? "" : "s"}` });
  if (max !== undefined && v.length > max) issues.push({ field, message: `must be at most ${max} characters` });
  if (pattern !== undefined && !pattern.test(v)) issues.push({ field, message: `must match the pattern ${pattern.source}` });
}

/** Returns the list of issues (empty when the body is a valid order). */
export function validateOrder(body) {
  const issues = [];
  if (!isObject(body)) return [{ field: "", message: "must be a JSON object" }];
  for (const key in body) if (!ORDER_FIELDS.has(key)) issues.push({ field: key, message: "is not an allowed field" });
  checkString(issues, "customer", body.customer, { min: 1, max: 100 });
  if (absent(body.email)) issues.push({ field: "email", message: "is required" });
  else if (typeof body.email !== "string") issues.push({ field: "email", message: "must be a string" });
  else if (!EMAIL.test(body.email)) issues.push({ field: "email", message: "must be an email address" });
  const q = body.quantity;
  if (absent(q)) issues.push({ field: "quantity", message: "is required" });
  else if (!Number.isInteger(q)) issues.push({ field: "quantity", message: "must be a whole number" });
  else {
    if (q < 1) issues.push({ field: "quantity", message: "must be at least 1" });
    if (q > 1000) issues.push({ field: "quantity", message: "must be at most 1000" });
  }
  const p = body.price;
  if (absent(p)) issues.push({ field: "price", message: "is required" });
  else if (typeof p !== "number" || !Number.isFinite(p)) issues.push({ field: "price", message: "must be a number" });
  else if (p < 0) issues.push({ field: "price", message: "must be at least 0" });
  if (absent(body.currency)) issues.push({ field: "currency", message: "is required" });
  else if (!CURRENCIES.includes(body.currency)) issues.push({ field: "currency", message: 'must be one of "EUR", "USD", "GBP"' });
  if (absent(body.express)) issues.push({ field: "express", message: "is required" });
  else if (typeof body.express !== "boolean") issues.push({ field: "express", message: "must be true or false" });
  checkString(issues, "note", body.note, { max: 500, required: false });
  const tags = body.tags;
  if (absent(tags)) issues.push({ field: "tags", message: "is required" });
  else if (!Array.isArray(tags)) issues.push({ field: "tags", message: "must be a list" });
  else {
    for (let i = 0; i < tags.length; i++) {
      if (absent(tags[i])) issues.push({ field: `tags[${i}]`, message: "must not be null" });
      else if (typeof tags[i] !== "string") issues.push({ field: `tags[${i}]`, message: "must be a string" });
    }
  }
  checkString(issues, "coupon", body.coupon, { pattern: COUPON, required: false });
  const address = body.address;
  if (absent(address)) issues.push({ field: "address", message: "is required" });
  else if (!isObject(address)) issues.push({ field: "address", message: "must be a JSON object" });
  else {
    for (const key in address) if (!ADDRESS_FIELDS.has(key)) issues.push({ field: `address.${key}`, message: "is not an allowed field" });
    checkString(issues, "address.street", address.street, { min: 1 });
    checkString(issues, "address.city", address.city, { min: 1 });
    checkString(issues, "address.zip", address.zip, { pattern: ZIP });
  }
  return issues;
}

/** What every app answers to a valid order. */
export const orderReply = (order) => ({ accepted: true, customer: order.customer, quantity: order.quantity });

/** `?ids=1&ids=2…` as whole numbers; undefined when one is not (the caller answers 400). */
export function parseIds(raw) {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const ids = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const n = Number(list[i]);
    if (!/^-?\d+$/.test(list[i]) || !Number.isSafeInteger(n)) return undefined;
    ids[i] = n;
  }
  return ids;
}

/** A path/query value as a whole number, or undefined. */
export function parseInt10(raw) {
  if (typeof raw !== "string" || !/^-?\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Kova answers a RESPOND of a string as JSON; every app sends the same bytes and type. */
export const JSON_TYPE = "application/json; charset=utf-8";
/** Errors are RFC 9457 problems, as Kova sends them (bodies differ; only status and type are compared). */
export const PROBLEM_TYPE = "application/problem+json";
export const PLAINTEXT_BODY = JSON.stringify("Hello, World!");
