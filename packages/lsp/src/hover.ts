import { BUILTINS, builtinSignature, describeType, type EndpointDecl, type DeclaredParam, type FunctionDecl, type ViewDecl, type EndpointInfo, type EntityDecl, type FieldDecl, type KovaType, type Node, type ValidateDecl } from "@kova/compiler";
import { contains, nodePathAt, walk } from "./ast-walk.js";
import type { Analysis } from "./workspace.js";
import { aggregateHover } from "./aggregates.js";
import { taskHover } from "./tasks.js";
import { cacheHover } from "./caches.js";
import { realtimeHover } from "./realtime.js";

/** Markdown for the thing at `offset`, or undefined when there is nothing to say. */
export function hoverText(analysis: Analysis, path: string, offset: number): { markdown: string; node: Node } | undefined {
  const file = analysis.file(path);
  if (!file) return undefined;
  const nodes = nodePathAt(file.program, offset);
  const endpoint = nodes.find((n): n is EndpointDecl => n.kind === "Endpoint");
  const realtime = realtimeHover(analysis, nodes, offset);
  if (realtime !== undefined) return { markdown: realtime, node: nodes[nodes.length - 1] };
  for (let i = nodes.length - 1; i >= 1; i--) {
    const node = nodes[i];
    const text = describeNode(analysis, node, endpoint);
    if (text !== undefined) return { markdown: text, node };
  }
  // The method keyword and path of an endpoint header.
  if (endpoint && offset <= endpoint.path.span.end.offset) return { markdown: routeText(analysis, endpoint), node: endpoint.path };
  return undefined;
}

function describeNode(analysis: Analysis, node: Node, endpoint: EndpointDecl | undefined): string | undefined {
  if (node.kind === "RoutePath" || node.kind === "PathSegment") {
    if (!endpoint) return undefined;
    if (node.kind === "PathSegment" && node.param) return paramText(analysis, endpoint, node.value);
    return routeText(analysis, endpoint);
  }
  if (node.kind === "Param") return endpoint ? paramText(analysis, endpoint, node.name) : undefined;
  if (node.kind === "Aggregate") return aggregateHover(analysis, node);
  const target = analysis.resolutions.get(node);
  if (target) {
    switch (target.kind) {
      case "Entity":
        return entityText(analysis, target);
      case "Validate":
        return shapeText(analysis, target);
      case "Field":
        return fieldText(analysis, target);
      case "Identifier":
        return variableText(analysis, target, node);
      case "ImportName":
        return `\`\`\`kova\n(function) ${target.local.name}\n\`\`\`\nImported as \`${target.imported.name}\` from a JavaScript module.`;
      case "PathSegment":
        return endpoint ? paramText(analysis, endpoint, target.value) : undefined;
      case "Function":
        return functionText(analysis, target);
      case "Task":
        return taskHover(target);
      case "Cache":
        return cacheHover(target);
      case "View":
        return viewText(target);
    }
  }
  if (node.kind === "Call" && BUILTINS.has(node.callee.name)) {
    const builtin = BUILTINS.get(node.callee.name)!;
    return code(`(built-in) ${builtinSignature(builtin)}`) + `\n${builtin.doc}`;
  }
  const type = analysis.types.get(node);
  if (type && node.kind !== "Missing") return code(`${kindLabel(node)}: ${describeType(type)}`) + fieldsList(type);
  return undefined;
}

/** `FN name(params) → result`, the result type as the checker inferred it from the RETURNs. */
function functionText(analysis: Analysis, decl: FunctionDecl): string {
  const params = decl.params.map((p) => `${p.name.name}: ${oneLine(sourceOf(analysis, p.type))}`).join(", ");
  let result = "null";
  walk(decl.body, (n) => {
    if (n.kind === "Return" && n.value && result === "null") {
      const type = analysis.types.get(n.value);
      if (type) result = describeType(type);
    }
  });
  return code(`FN ${decl.name.name}(${params}) → ${result}`);
}

function kindLabel(node: Node): string {
  if (node.kind.endsWith("Query")) return node.kind.replace("Query", "").toUpperCase();
  return "(expression)";
}

function code(text: string): string {
  return "```kova\n" + text + "\n```";
}

/** The source text of a node (declarations are shown as written). */
function sourceOf(analysis: Analysis, node: Node): string {
  const file = analysis.file(node.span.file);
  return file ? file.source.text.slice(node.span.start.offset, node.span.end.offset) : "";
}

function entityText(analysis: Analysis, decl: EntityDecl): string {
  const using = decl.source ? ` USING ${decl.source.name}` : "";
  const constraints = (decl.constraints ?? []).map((c) => `  ${c.constraint} (${c.fields.map((f) => f.name).join(", ")})`);
  const lines = [`ENTITY ${decl.name.name}${using} {`, "  id: int  // implicit", ...decl.fields.map((f) => `  ${oneLine(sourceOf(analysis, f))}`), ...constraints, "}"];
  const count = decl.fields.length + 1;
  return code(lines.join("\n")) + `\n${count} field${count === 1 ? "" : "s"}; every row keeps its history.`;
}

function shapeText(analysis: Analysis, decl: ValidateDecl): string {
  const lines = [`VALIDATE ${decl.name.name} {`, ...decl.fields.map((f) => `  ${oneLine(sourceOf(analysis, f))}`), "}"];
  return code(lines.join("\n"));
}

function fieldText(analysis: Analysis, field: FieldDecl): string {
  const owner = ownerOf(analysis, field);
  const ownerLabel = owner ? `${owner.kind === "Entity" ? "ENTITY" : "VALIDATE"} ${owner.name.name}` : "a shape";
  const modifiers = field.modifiers.map((m) => (m.modifier === "ON DELETE" ? `ON DELETE ${m.action}` : m.modifier));
  const references = owner?.kind === "Entity" && analysis.models(owner.span.file).some((model) => model.entities.has(field.type.name.name));
  // A reference without ON DELETE is RESTRICT: say so, since deleting the target is then refused.
  if (references && !field.modifiers.some((m) => m.modifier === "ON DELETE")) modifiers.push("ON DELETE RESTRICT (default)");
  const stored = owner?.kind === "Entity" ? storedType(analysis, owner.name.name, field.name.name) : undefined;
  if (field.by !== null) {
    const relation = `Relation of ${ownerLabel}: the ${field.type.name.name} rows whose ${field.by.name} refers to this one (not stored)`;
    return code(`(relation) ${oneLine(sourceOf(analysis, field))}`) + "\n" + relation;
  }
  const facts = [
    `Field of ${ownerLabel}`,
    stored ? `type ${stored}` : undefined,
    field.type.optional ? "optional (may be null)" : "required",
    modifiers.length > 0 ? `modifiers: ${modifiers.join(", ")}` : undefined,
  ].filter((x) => x !== undefined);
  return code(`(field) ${oneLine(sourceOf(analysis, field))}`) + "\n" + facts.join(" · ");
}

function storedType(analysis: Analysis, entity: string, field: string): string | undefined {
  for (const file of analysis.result.files) {
    for (const model of analysis.models(file.file)) {
      const row = model.entities.get(entity)?.rowType;
      const type = row?.kind === "object" ? row.fields?.get(field)?.type : undefined;
      if (type) return describeType(type);
    }
  }
  return undefined;
}

function ownerOf(analysis: Analysis, field: FieldDecl): EntityDecl | ValidateDecl | undefined {
  const file = analysis.file(field.span.file);
  return file?.program.declarations.find(
    (d): d is EntityDecl | ValidateDecl => (d.kind === "Entity" || d.kind === "Validate") && contains(d.span, field.span.start.offset),
  );
}

function variableText(analysis: Analysis, declaration: Node, use: Node): string {
  let type = analysis.types.get(use);
  if (!type) {
    // The declaration itself: its type is that of the value first assigned to it.
    const file = analysis.file(declaration.span.file);
    if (file) {
      walk(file.program, (node) => {
        if (!type && node.kind === "Assign" && node.target === declaration) type = analysis.types.get(node.value);
      });
    }
  }
  const name = declaration.kind === "Identifier" ? declaration.name : "";
  return code(`(variable) ${name}: ${type ? describeType(type) : "unknown"}`) + (type ? fieldsList(type) : "");
}

function fieldsList(type: KovaType): string {
  const row = type.kind === "array" ? type.element : type;
  if (row.kind !== "object" || !row.fields || row.fields.size === 0) return "";
  const fields = [...row.fields].map(([name, f]) => `\`${name}: ${describeType(f.type)}${f.optional ? "?" : ""}\``);
  return `\n\nFields: ${fields.join(", ")}`;
}

function endpointInfo(analysis: Analysis, decl: EndpointDecl): EndpointInfo | undefined {
  return analysis.endpoints.find((e) => e.decl === decl);
}

function routeText(analysis: Analysis, decl: EndpointDecl): string {
  const info = endpointInfo(analysis, decl);
  const params = decl.path.segments.filter((s) => s.param);
  const lines = [`${decl.method} ${decl.path.text}`];
  const parts = [code(lines.join("\n"))];
  parts.push(
    params.length === 0
      ? "No path parameters."
      : "Path parameters:\n" + params.map((p) => `- \`$${p.value}\`: ${info?.paramTypes.get(p.value) ?? "string"} (${info?.declaredPath.has(p.value) ? "declared" : "inferred"})`).join("\n"),
  );
  const query = info?.declaredQuery;
  if (query) parts.push("Query parameters:\n" + [...query.values()].map((q) => `- \`$query.${q.name}\`: ${queryParamText(q)}`).join("\n"));
  if (decl.validate) {
    const shape = analysis.resolutions.get(decl.validate);
    parts.push(`Body: VALIDATE ${decl.validate.name}` + (shape?.kind === "Validate" ? "\n" + shapeText(analysis, shape) : " (unknown shape)"));
  } else {
    parts.push("Body: not validated (no VALIDATE).");
  }
  if (info && info.variables.length > 0) parts.push(`Variables: ${info.variables.map((v) => `\`${v}\``).join(", ")}`);
  return parts.join("\n\n");
}

function paramText(analysis: Analysis, decl: EndpointDecl, name: string): string | undefined {
  const route = `${decl.method} ${decl.path.text}`;
  if (name === "query") {
    const declared = endpointInfo(analysis, decl)?.declaredQuery;
    if (declared) return code("$query") + `\nThe declared query parameters of ${route}:\n` + [...declared.values()].map((q) => `- \`${q.name}\`: ${queryParamText(q)}`).join("\n");
    return code("$query: object") + `\nThe query string of ${route}; read values with \`$query.name\`.`;
  }
  if (name === "auth") {
    const claims = analysis.models(decl.span.file).map((m) => m.auth?.claims).find((c) => c != null);
    const access = decl.auth === null ? "this endpoint has no AUTH, so there is no caller" : decl.auth.optional ? "null when the caller sent no credential (AUTH optional)" : "always set: AUTH rejected the request otherwise";
    if (claims) return code(`$auth: ${claims.decl.name.name}`) + `\nThe verified token claims of the caller of ${route}; ${access}.\n\n` + shapeText(analysis, claims.decl);
    return code("$auth: object") + `\nThe verified token claims of the caller of ${route}; ${access}.`;
  }
  if (name === "headers") return code("$headers: object") + `\nThe request headers of ${route}; read values with \`$headers.name\`.`;
  if (name === "cookies") return code("$cookies: object") + `\nThe request cookies of ${route}, by name; read values with \`$cookies.name\` (a cookie not sent is null).`;
  if (name === "body") {
    const shape = decl.validate ? analysis.resolutions.get(decl.validate) : undefined;
    if (shape?.kind === "Validate") return code(`$body: ${shape.name.name}`) + "\n" + shapeText(analysis, shape);
    return code("$body: object") + `\nThe JSON body of ${route}, not validated (no VALIDATE).`;
  }
  if (!decl.path.segments.some((s) => s.param && s.value === name)) return undefined;
  const info = endpointInfo(analysis, decl);
  const type = info?.paramTypes.get(name) ?? "string";
  const how = info?.declaredPath.has(name) ? "declared on the route" : "inferred from its use";
  return code(`$${name}: ${type}`) + `\nPath parameter of ${route} (type ${how}).`;
}

/** `int, 1…100, default 20` for a declared query parameter. */
function queryParamText(q: DeclaredParam): string {
  const parts: string[] = [q.values ? q.values.map((v) => JSON.stringify(v)).join(" | ") : q.scalar];
  if (q.min !== undefined || q.max !== undefined) parts.push(`${q.min ?? "…"}…${q.max ?? "…"}`);
  if (q.default !== undefined) parts.push(`default ${JSON.stringify(q.default)}`);
  else parts.push(q.required ? "required" : "optional");
  return parts.join(", ");
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** `VIEW ArticleOut OF Article { title, author { name } }`; one with nested items shapes rows only in SELECT (KV2342). */
function viewText(view: ViewDecl): string {
  const items = (list: ViewDecl["items"]): string => list.map((i) => (i.items === null ? i.name.name : `${i.name.name} { ${items(i.items)} }`)).join(", ");
  const select = "`SELECT " + view.name.name + " FROM " + view.entity.name + "`";
  const nested = view.items.some((i) => i.items !== null);
  return code(`VIEW ${view.name.name} OF ${view.entity.name} { ${items(view.items)} }`) + `\nA response shape: ${select}${nested ? " (its nested items read the related rows in that query)" : " or `" + view.name.name + "(rows)`"}.`;
}
