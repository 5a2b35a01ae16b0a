/**
 * JSON ⇄ `google.protobuf.Value` as @grpc/proto-loader represents it (a oneof object:
 * `{ nullValue }`, `{ numberValue }`, `{ stringValue }`, `{ boolValue }`, `{ structValue: { fields } }`,
 * `{ listValue: { values } }`). Replies carry the endpoint's JSON body this way; `any`/`json`
 * request fields arrive this way.
 */
export type ProtoValue =
  | { nullValue: 0 | "NULL_VALUE" }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: { fields: Record<string, ProtoValue> } }
  | { listValue: { values: ProtoValue[] } };

export function toProtoValue(value: unknown): ProtoValue {
  if (value === null || value === undefined) return { nullValue: 0 };
  if (typeof value === "number") return { numberValue: value };
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toProtoValue) } };
  if (typeof value === "object") {
    const fields: Record<string, ProtoValue> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) if (v !== undefined) fields[key] = toProtoValue(v);
    return { structValue: { fields } };
  }
  return { stringValue: String(value) };
}

export function fromProtoValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if ("numberValue" in v && v.numberValue !== undefined) return v.numberValue;
  if ("stringValue" in v && v.stringValue !== undefined) return v.stringValue;
  if ("boolValue" in v && v.boolValue !== undefined) return v.boolValue;
  if ("structValue" in v && v.structValue !== undefined) {
    const fields = ((v.structValue as { fields?: Record<string, unknown> }).fields ?? {});
    return Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, fromProtoValue(f)]));
  }
  if ("listValue" in v && v.listValue !== undefined) return ((v.listValue as { values?: unknown[] }).values ?? []).map(fromProtoValue);
  return null;
}
