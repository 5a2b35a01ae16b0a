/**
 * GraphQL over the app's entities, built from the same entity schemas the data sources migrate:
 * per entity a type (its fields, its references as objects, its inverse relations as lists, and
 * `history`, every version of the record), a list query with filters, ordering, pagination and
 * `asOf` (time travel), a by-id query, and create / update / delete mutations. Every read and write
 * is a query plan compiled by the data source's own dialect, values always as arguments.
 */
import { isIdentifierField, isPublicIdEntity, isSoftDeleteEntity, maskRow, richType, type EntitySchema, type FieldSchema, type ScalarType } from "@kova/query";
import type * as G from "graphql";
import type { GraphqlAccessConfig } from "./access.js";
import type { MappedOperation } from "./mapped.js";
import type { GraphqlContext, GraphqlResolvers } from "./resolvers.js";

export interface GraphqlOptions extends GraphqlAccessConfig {
  /** The entities served (by name); default all. */
  entities?: readonly string[];
  /** Entities never served (per-entity opt-out), whatever `entities` says. */
  exclude?: readonly string[];
  /** Generate create/update/delete mutations. Default true. */
  mutations?: boolean;
  /**
   * Map declared endpoints to mutations (see mapped.ts): true for every POST/PUT/PATCH/DELETE
   * endpoint, or the operationIds of those to map. Default false.
   */
  endpoints?: boolean | readonly string[];
  /** Deepest selection allowed. Default 8. */
  maxDepth?: number;
  /** Largest `limit` a list field takes (and the default when none is given). Default 100. */
  maxLimit?: number;
  /** Largest estimated cost of an operation (see limits.ts). Default 100 000. */
  maxCost?: number;
  /** Answer introspection queries: true, false, or "development" (not when NODE_ENV=production). Default true. */
  introspection?: boolean | "development";
}

/** The entities GraphQL serves: those named (all when none are), less those excluded. */
export function servedEntities<T extends { name: string; fields?: readonly FieldSchema[] }>(entities: readonly T[], options: GraphqlOptions): T[] {
  return entities.filter((e) => (options.entities === undefined || options.entities.includes(e.name)) && !(options.exclude ?? []).includes(e.name));
}

const lower = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);
/** `Post` → `posts`; `Category` → `categories`; the list query's name. */
export function pluralField(name: string): string {
  const base = lower(name);
  if (/[^aeiou]y$/.test(base)) return `${base.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(base)) return `${base}es`;
  return `${base}s`;
}

export function buildGraphqlSchema(graphql: typeof G, entities: readonly EntitySchema[], options: GraphqlOptions, resolvers: GraphqlResolvers, operations: readonly MappedOperation[] = []): G.GraphQLSchema {
  const { GraphQLObjectType, GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLInt, GraphQLFloat, GraphQLString, GraphQLBoolean, GraphQLEnumType, GraphQLSchema, GraphQLID } = graphql;
  const served = servedEntities(entities, options);
  /**
   * A record's `id`: the integer key, or the public id (an `ID`, a UUID) of a PUBLIC ID entity,
   * whose integer key never leaves the server (docs/entities.md, "Public identifiers"). A reference
   * to a PUBLIC ID entity is read and written as the referenced record's public id too.
   */
  const idType = (entity: EntitySchema | undefined): G.GraphQLScalarType => (isPublicIdEntity(entity) ? GraphQLID : GraphQLInt);
  const entityNamed = (name: string) => entities.find((e) => e.name === name);
  const servedNames = new Set(served.map((e) => e.name));
  const maxLimit = options.maxLimit ?? 100;

  const JSONScalar = new graphql.GraphQLScalarType({
    name: "JSON",
    description: "Any JSON value (a `json` field, a version's data).",
    serialize: (v) => v,
    parseValue: (v) => v,
    parseLiteral: (ast) => graphql.valueFromASTUntyped(ast),
  });
  const scalarOf = (type: ScalarType): G.GraphQLScalarType => {
    switch (type) {
      case "int":
        return GraphQLInt;
      case "float":
      case "decimal":
        return GraphQLFloat;
      case "boolean":
        return GraphQLBoolean;
      case "json":
        return JSONScalar;
      default:
        return GraphQLString;
    }
  };
  const enums = new Map<string, G.GraphQLEnumType>();
  /** A list field (`tags: text[]`) is a list of its element type. */
  const fieldType = (entity: EntitySchema, field: FieldSchema): G.GraphQLInputType & G.GraphQLOutputType =>
    field.items !== undefined ? new GraphQLList(new GraphQLNonNull(scalarOf(field.items))) : fieldScalar(entity, field);
  const fieldScalar = (entity: EntitySchema, field: FieldSchema): G.GraphQLEnumType | G.GraphQLScalarType => {
    if (field.enumValues !== undefined && field.enumValues.every((v) => /^[_A-Za-z][_0-9A-Za-z]*$/.test(v))) {
      const name = `${entity.name}_${field.name}`;
      let e = enums.get(name);
      if (e === undefined) enums.set(name, (e = new GraphQLEnumType({ name, values: Object.fromEntries(field.enumValues.map((v) => [v, { value: v }])) })));
      return e;
    }
    if (field.references !== undefined) return idType(entityNamed(field.references));
    // A rich type (phone, port, …) is served as its registry definition says.
    const rich = field.rich === undefined ? undefined : richType(field.rich.name)?.graphql;
    if (rich !== undefined) return rich === "Int" ? GraphQLInt : rich === "Float" ? GraphQLFloat : GraphQLString;
    return scalarOf(field.type);
  };

  const Operation = new GraphQLEnumType({ name: "VersionOperation", values: { insert: { value: "insert" }, update: { value: "update" }, delete: { value: "delete" } } });
  const Direction = new GraphQLEnumType({ name: "SortDirection", values: { ASC: { value: "ASC" }, DESC: { value: "DESC" } } });
  const filterTypes = new Map<string, G.GraphQLInputObjectType>();
  const comparison = (name: string, type: G.GraphQLInputType): G.GraphQLInputObjectType => {
    let t = filterTypes.get(name);
    if (t === undefined) {
      t = new GraphQLInputObjectType({
        name,
        fields: {
          eq: { type }, ne: { type }, lt: { type }, lte: { type }, gt: { type }, gte: { type },
          in: { type: new GraphQLList(new GraphQLNonNull(type)) },
          isNull: { type: GraphQLBoolean },
          ...(type === GraphQLString ? { like: { type: GraphQLString, description: "SQL LIKE: % any text, _ one character." } } : {}),
        },
      });
      filterTypes.set(name, t);
    }
    return t;
  };

  const objectTypes = new Map<string, G.GraphQLObjectType<Record<string, unknown>, GraphqlContext>>();
  const whereTypes = new Map<string, G.GraphQLInputObjectType>();
  const orderTypes = new Map<string, G.GraphQLInputObjectType>();
  const listArgs = (entity: EntitySchema): G.GraphQLFieldConfigArgumentMap => ({
    where: { type: whereTypes.get(entity.name)! },
    orderBy: { type: new GraphQLList(new GraphQLNonNull(orderTypes.get(entity.name)!)) },
    limit: { type: GraphQLInt, description: `At most this many (default and largest: ${maxLimit}).` },
    offset: { type: GraphQLInt },
  });
  const asOfArg: G.GraphQLFieldConfigArgumentMap = { asOf: { type: GraphQLString, description: "Read the records as they were at this instant (ISO-8601)." } };
  const DeletedRows = new GraphQLEnumType({
    name: "DeletedRows",
    description: "Which records of a SOFT DELETE entity a read sees (the language's WITH DELETED and ONLY DELETED).",
    values: { hide: { value: "hide", description: "Live records only (the default)." }, with: { value: "with", description: "Live and deleted records." }, only: { value: "only", description: "Deleted records only." } },
  });
  const deletedArg = (entity: EntitySchema): G.GraphQLFieldConfigArgumentMap => (isSoftDeleteEntity(entity) ? { deleted: { type: DeletedRows, defaultValue: "hide" } } : {});

  for (const entity of served) {
    const visible = visibleFields(entity);
    // A MASKED field is neither a filter nor an order: comparing with guesses would reveal the value.
    const comparable = visible.filter((f) => f.items === undefined && f.masked === undefined);
    const fieldNames = ["id", ...comparable.map((f) => f.name)];
    const FieldEnum = new GraphQLEnumType({ name: `${entity.name}Field`, values: Object.fromEntries(fieldNames.map((n) => [n, { value: n }])) });
    orderTypes.set(entity.name, new GraphQLInputObjectType({ name: `${entity.name}Order`, fields: { field: { type: new GraphQLNonNull(FieldEnum) }, direction: { type: Direction, defaultValue: "ASC" } } }));
    const where: G.GraphQLInputObjectType = new GraphQLInputObjectType({
      name: `${entity.name}Filter`,
      fields: () => ({
        id: { type: comparison(`${idType(entity).name}Comparison`, idType(entity)) },
        // List fields are not compared here (their elements would need `contains`).
        ...Object.fromEntries(comparable.map((f) => {
          const t = fieldScalar(entity, f);
          return [f.name, { type: comparison(`${t.name}Comparison`, t) }];
        })),
        and: { type: new GraphQLList(new GraphQLNonNull(where)) },
        or: { type: new GraphQLList(new GraphQLNonNull(where)) },
        not: { type: where },
      }),
    });
    whereTypes.set(entity.name, where);
  }

  for (const entity of served) {
    const Version = new GraphQLObjectType({
      name: `${entity.name}Version`,
      fields: {
        version: { type: new GraphQLNonNull(GraphQLInt) },
        operation: { type: new GraphQLNonNull(Operation) },
        at: { type: new GraphQLNonNull(GraphQLString) },
        data: { type: new GraphQLNonNull(JSONScalar) },
      },
    });
    const type: G.GraphQLObjectType<Record<string, unknown>, GraphqlContext> = new GraphQLObjectType<Record<string, unknown>, GraphqlContext>({
      name: entity.name,
      fields: () => {
        const fields: G.GraphQLFieldConfigMap<Record<string, unknown>, GraphqlContext> = { id: { type: new GraphQLNonNull(idType(entity)) } };
        for (const f of visibleFields(entity)) {
          if (f.references !== undefined && servedNames.has(f.references)) {
            const target = objectTypes.get(f.references)!;
            fields[f.name] = { type: f.optional ? target : new GraphQLNonNull(target), resolve: (row, _args, ctx) => resolvers.one(ctx, f.references!, row[f.name], row) };
            const key = idType(entityNamed(f.references));
            fields[`${f.name}Id`] = { type: f.optional ? key : new GraphQLNonNull(key), resolve: (row) => row[f.name] };
          } else {
            const t = fieldType(entity, f);
            const masked = f.masked === undefined ? undefined : `MASKED: shown partially${f.masked.unless.length === 0 ? "" : ` unless the caller has the role ${f.masked.unless.join(" or ")}`}.`;
            fields[f.name] = { type: f.optional ? t : new GraphQLNonNull(t), ...(masked === undefined ? {} : { description: masked }) };
          }
        }
        for (const r of entity.relations ?? []) {
          if (!servedNames.has(r.entity)) continue;
          const target = entities.find((e) => e.name === r.entity)!;
          fields[r.name] = {
            type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(objectTypes.get(r.entity)!))),
            args: { where: { type: whereTypes.get(target.name)! }, orderBy: listArgs(target).orderBy },
            resolve: (row, args, ctx) => resolvers.many(ctx, r.entity, r.by, row.id, row, args as Record<string, unknown>),
          };
        }
        // A NO HISTORY entity keeps no versions: no history field to read.
        if (entity.history !== false) {
          fields.history = {
            type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Version))),
            description: "Every version of this record, oldest first.",
            resolve: (row, _args, ctx) => resolvers.history(ctx, entity.name, row.id),
          };
        }
        return fields;
      },
    });
    objectTypes.set(entity.name, type);
  }

  // Subscriptions on change events: every committed write of an entity, or of one record.
  const subscription: G.GraphQLFieldConfigMap<unknown, GraphqlContext> = {};
  for (const entity of served) {
    // Change events carry integer keys: a PUBLIC ID entity's, or one referring to one, would show them.
    if (isPublicIdEntity(entity) || entity.fields.some((f) => f.publicReference === true)) continue;
    const Change = new GraphQLObjectType<{ op: string; id: unknown; version: number | null; at: string; after: Record<string, unknown> | null }, GraphqlContext>({
      name: `${entity.name}Change`,
      fields: {
        op: { type: new GraphQLNonNull(Operation) },
        id: { type: new GraphQLNonNull(GraphQLInt) },
        version: { type: GraphQLInt },
        at: { type: new GraphQLNonNull(GraphQLString) },
        // Sent to every subscriber, not in answer to a read of theirs: MASKED fields masked for all.
        record: { type: objectTypes.get(entity.name)!, description: "The record after the write; null after a delete.", resolve: (e) => maskRow(entity, e.after) },
      },
    });
    subscription[`${lower(entity.name)}Changed`] = {
      type: new GraphQLNonNull(Change),
      description: `Every committed insert, update and delete of ${entity.name} (of the one record, given its id).`,
      args: { id: { type: GraphQLInt } },
      subscribe: (_root, args, ctx) => resolvers.changes(ctx, entity.name, (args as { id?: number }).id),
      resolve: (event) => event,
    };
  }

  const query: G.GraphQLFieldConfigMap<unknown, GraphqlContext> = {};
  const mutation: G.GraphQLFieldConfigMap<unknown, GraphqlContext> = {};
  for (const entity of served) {
    const type = objectTypes.get(entity.name)!;
    query[pluralField(entity.name)] = {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type))),
      args: { ...listArgs(entity), ...(entity.history !== false ? asOfArg : {}), ...deletedArg(entity) },
      resolve: (_root, args, ctx) => resolvers.list(ctx, entity.name, args as Record<string, unknown>),
    };
    const id = { id: { type: new GraphQLNonNull(idType(entity)) } };
    query[lower(entity.name)] = {
      type,
      args: { ...id, ...(entity.history !== false ? asOfArg : {}), ...deletedArg(entity) },
      resolve: (_root, args, ctx) => {
        const a = args as { id: unknown; asOf?: string; deleted?: "hide" | "with" | "only" };
        return resolvers.byId(ctx, entity.name, a.id, a.asOf, a.deleted);
      },
    };
    // A READ MODEL's rows are computed from its source (KV2957 in programs): no mutation writes them.
    if (options.mutations === false || entity.readModel !== undefined) continue;
    const inputFields = (patch: boolean): G.GraphQLInputFieldConfigMap =>
      // AUDIT, SOFT DELETE and TENANT BY fields are the server's (writes, DELETE and RESTORE stamp them): no input names them, as none names id.
      // Nor the public id, made on insert and never changed.
      Object.fromEntries(entity.fields.filter((f) => f.audit === undefined && f.softDelete === undefined && f.tenant === undefined && !isIdentifierField(f) && f.publicId === undefined).map((f) => {
        const t = fieldType(entity, f);
        const required = !patch && !f.optional && f.default === undefined;
        return [f.name, { type: required ? new GraphQLNonNull(t) : t }];
      }));
    const Create = new GraphQLInputObjectType({ name: `${entity.name}Input`, fields: inputFields(false) });
    const Patch = new GraphQLInputObjectType({ name: `${entity.name}Patch`, fields: inputFields(true) });
    mutation[`create${entity.name}`] = { type: new GraphQLNonNull(type), args: { input: { type: new GraphQLNonNull(Create) } }, resolve: (_r, args, ctx) => resolvers.create(ctx, entity.name, (args as { input: Record<string, unknown> }).input) };
    mutation[`update${entity.name}`] = { type, args: { ...id, input: { type: new GraphQLNonNull(Patch) } }, resolve: (_r, args, ctx) => resolvers.update(ctx, entity.name, (args as { id: unknown }).id, (args as { input: Record<string, unknown> }).input) };
    mutation[`delete${entity.name}`] = { type, args: id, resolve: (_r, args, ctx) => resolvers.remove(ctx, entity.name, (args as { id: unknown }).id) };
    if (isSoftDeleteEntity(entity)) {
      mutation[`restore${entity.name}`] = {
        type,
        description: `RESTORE: a deleted ${entity.name} is live again (null when no deleted record has this id).`,
        args: id,
        resolve: (_r, args, ctx) => resolvers.restore(ctx, entity.name, (args as { id: unknown }).id),
      };
    }
  }
  const scalars = { Int: GraphQLInt, Float: GraphQLFloat, Boolean: GraphQLBoolean, String: GraphQLString };
  for (const op of operations) {
    if (mutation[op.name] !== undefined) throw new Error(`the endpoint ${op.method} ${op.path} maps to the mutation ${op.name}, which the entity mutations already name; set "mutations": false or leave it out of graphql.endpoints`);
    const args: G.GraphQLFieldConfigArgumentMap = {};
    for (const p of op.params) args[p.name] = { type: p.required ? new GraphQLNonNull(scalars[p.type]) : scalars[p.type] };
    if (op.body !== "none") args.input = { type: op.body === "required" ? new GraphQLNonNull(JSONScalar) : JSONScalar, description: "The request body, checked by the endpoint's VALIDATE shape." };
    mutation[op.name] = {
      type: JSONScalar,
      description: `${op.method} ${op.path}${op.description === undefined ? "" : `: ${op.description}`} (its JSON answer; null for 204).`,
      args,
      resolve: (_r, a, ctx) => resolvers.endpoint(ctx, op.name, a as Record<string, unknown>),
    };
  }
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: query }),
    ...(Object.keys(mutation).length > 0 ? { mutation: new GraphQLObjectType({ name: "Mutation", fields: mutation }) } : {}),
    ...(Object.keys(subscription).length > 0 ? { subscription: new GraphQLObjectType({ name: "Subscription", fields: subscription }) } : {}),
  });
}

/**
 * The fields GraphQL shows of an entity: all but the SECRET ones (password hashes, tokens), which
 * are neither returned nor usable to filter or order by — a filter on one would let a caller test
 * guesses against it (mutations may still write them) — and a PUBLIC ID entity's stored public_id,
 * which GraphQL shows as `id`.
 */
function visibleFields(entity: EntitySchema): EntitySchema["fields"] {
  return entity.fields.filter((f) => f.secret !== true && f.publicId === undefined);
}
