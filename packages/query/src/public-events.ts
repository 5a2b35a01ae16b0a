/**
 * Change events as programs see them (docs/entities.md, "Public identifiers"): the outbox records
 * stored rows, so an event of a PUBLIC ID entity holds its integer key, and an event of an entity
 * referring to one holds the referenced record's integer key. An ON handler gets the event the way
 * every response shows records instead: `id` (the event's and its rows') is the public id, and
 * each reference to a PUBLIC ID entity is the referenced record's public id — so `WHERE id =
 * event.id` finds the record, and nothing hands the integer key to a program.
 */
import type { ChangeEvent } from "./changes.js";
import type { EntitySchema, SelectPlan } from "./plan.js";
import { isPublicIdEntity, publicRecord } from "./public-id.js";
import { publicRefsOf, resolvePublicRefs, type ReferenceLookup } from "./public-references.js";
import { tenantField } from "./tenant-scope.js";

type Row = Record<string, unknown>;

/**
 * The event with public ids, looked up through `lookup` (one statement per referenced entity and
 * row); an event of an entity that is neither PUBLIC ID nor refers to one, or an EMIT's, as it is.
 * A referenced record gone by the time the event is delivered reads as null.
 */
export async function publicChangeEvent(event: ChangeEvent, entity: EntitySchema | undefined, lookup: ReferenceLookup): Promise<ChangeEvent> {
  if (entity === undefined || event.op === "emit") return event;
  const own = isPublicIdEntity(entity);
  const refs = publicRefsOf(entity);
  if (!own && refs.length === 0) return event;
  const tenant = tenantField(entity);
  const view = async (row: Row | null): Promise<Row | null> => {
    if (row === null) return null;
    let copy: Row = { ...row };
    if (refs.length > 0) {
      // The same resolution a plan's rows get (public-references.ts), within the row's own tenant.
      const plan: SelectPlan = { kind: "select", entity: entity.name, fields: null, where: null, orderBy: [], limit: null, offset: null, asOf: null, single: true, publicRefs: refs };
      await resolvePublicRefs(plan, copy, lookup, tenant === undefined ? null : copy[tenant.name] ?? null);
    }
    if (own) copy = publicRecord(copy) as Row;
    return copy;
  };
  const before = await view(event.before);
  const after = await view(event.after);
  const id = own ? ((after ?? before)?.id ?? event.id) : event.id;
  return { ...event, id, before, after };
}
