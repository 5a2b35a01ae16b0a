/**
 * Every diagnostic Kova can report, with its stable code. Codes never change meaning once
 * released; retire one rather than reuse it. Ranges:
 *   KV1xxx  syntax (scanner and parser)
 *   KV2xxx  names (declarations, scopes, imports, routes)
 *   KV3xxx  types and values
 *   KV9xxx  recognised, but not supported yet (by Kova, or by the driver a query runs on)
 */
export type Severity = "error" | "warning";

export interface DiagnosticInfo {
  code: string;
  severity: Severity;
  /** One line: what this code means. Used by `docs/diagnostics.md` and `kova explain`-style help. */
  title: string;
}

function define<const T extends Record<string, DiagnosticInfo>>(codes: T): T {
  return codes;
}

export const Codes = define({
  // ── syntax
  UnexpectedCharacter: { code: "KV1001", severity: "error", title: "a character that cannot start any token" },
  UnterminatedString: { code: "KV1002", severity: "error", title: "a string literal without its closing quote" },
  UnterminatedComment: { code: "KV1003", severity: "error", title: "a /* comment without its closing */" },
  InvalidEscape: { code: "KV1004", severity: "error", title: "an unknown escape sequence in a string" },
  InvalidNumber: { code: "KV1005", severity: "error", title: "a malformed number or duration literal" },
  UnterminatedInterpolation: { code: "KV1006", severity: "error", title: "a {…} inside a string that is never closed" },
  InvalidPath: { code: "KV1007", severity: "error", title: "a route path that is not a valid URL path pattern" },
  InvalidEncoding: { code: "KV1008", severity: "error", title: "a source file that is not valid UTF-8" },
  Expected: { code: "KV1101", severity: "error", title: "the parser expected one thing and found another" },
  ExpectedDeclaration: { code: "KV1102", severity: "error", title: "something other than a declaration at the top level" },
  ExpectedStatement: { code: "KV1103", severity: "error", title: "something other than a statement inside a block" },
  ExpectedExpression: { code: "KV1104", severity: "error", title: "an expression was expected" },
  LowercaseKeyword: { code: "KV1105", severity: "error", title: "a keyword written in lower case (keywords are upper case)" },
  UnclosedBlock: { code: "KV1106", severity: "error", title: "a { or ( or [ that is never closed" },
  NestingTooDeep: { code: "KV1107", severity: "error", title: "expressions or blocks nested deeper than the parser allows" },
  DuplicateClause: { code: "KV1108", severity: "error", title: "a query clause (WHERE, LIMIT, …) written twice" },
  ExpectedFunctionPart: { code: "KV1231", severity: "error", title: "an FN, VIEW, FOR or RETURN written without a part it needs" },
  DuplicateRateLimit: { code: "KV1261", severity: "error", title: "an endpoint with two RATE_LIMIT clauses" },
  InvalidHas: { code: "KV1241", severity: "error", title: "has(…) with something other than one field read (has($body.bio))" },
  InvalidOrderChoice: { code: "KV1242", severity: "error", title: "an ORDER_BY chosen by the request written other than value IN [field, …]" },
  // ── names
  UnknownEntity: { code: "KV2001", severity: "error", title: "a query names an entity that is not declared" },
  UnknownField: { code: "KV2002", severity: "error", title: "a field that the entity or shape does not have" },
  UnknownVariable: { code: "KV2003", severity: "error", title: "a name that is not a variable in scope" },
  UnknownParam: { code: "KV2004", severity: "error", title: "a $param that the route does not define" },
  UnknownValidator: { code: "KV2005", severity: "error", title: "VALIDATE names a shape that is not declared" },
  UnknownType: { code: "KV2006", severity: "error", title: "a field type that Kova does not know" },
  DuplicateDeclaration: { code: "KV2007", severity: "error", title: "two declarations with the same name" },
  DuplicateField: { code: "KV2008", severity: "error", title: "a field declared twice in one entity or shape" },
  DuplicateRoute: { code: "KV2009", severity: "error", title: "two endpoints for the same method and path" },
  UnusedVariable: { code: "KV2010", severity: "warning", title: "a variable that is assigned but never read" },
  ImportNotFound: { code: "KV2011", severity: "error", title: "an IMPORT whose file does not exist" },
  UnknownFunction: { code: "KV2012", severity: "error", title: "a call to a function that is neither built in nor imported" },
  UnknownDataSource: { code: "KV2013", severity: "error", title: "ENTITY … USING names a data source with no CONNECT" },
  UnknownDriver: { code: "KV2014", severity: "error", title: "CONNECT … USING names a driver Kova does not have" },
  DuplicateParam: { code: "KV2015", severity: "error", title: "a route path that uses the same :param twice" },
  UnreachableCode: { code: "KV2016", severity: "warning", title: "a statement after RESPOND or ERROR, which never runs" },
  ReservedField: { code: "KV2017", severity: "error", title: "an entity field that Kova manages itself (id)" },
  AmbiguousName: { code: "KV2018", severity: "error", title: "a bare name in a query that is both a field of the entity and a variable" },
  UnknownExport: { code: "KV2019", severity: "error", title: "an IMPORT names something the JavaScript module does not export" },
  UnreadableModule: { code: "KV2020", severity: "warning", title: "an imported JavaScript module whose exports cannot be read, so its names are not checked" },
  ImplicitDataSource: { code: "KV2021", severity: "warning", title: "an entity without USING in a program with more than one CONNECT" },
  UnknownAuthScheme: { code: "KV2220", severity: "error", title: "AUTH names a scheme Kova does not have (jwt, api_key, session)" },
  UnknownAuthSetting: { code: "KV2221", severity: "error", title: "a setting the AUTH scheme does not have, or one set twice" },
  UnknownRole: { code: "KV2222", severity: "error", title: "an endpoint requires a role the AUTH block does not declare" },
  AuthWithoutScheme: { code: "KV2223", severity: "error", title: "an endpoint says AUTH but the program declares no AUTH scheme" },
  AuthReadWithoutAuth: { code: "KV2224", severity: "error", title: "$auth read by an endpoint (or outside one) that has no AUTH, so there is no caller" },
  UnknownClaim: { code: "KV2225", severity: "error", title: "a claim that the AUTH block's claims shape does not declare" },
  DuplicateAuthScheme: { code: "KV2226", severity: "error", title: "two AUTH blocks of the same scheme" },
  UnknownOwnerField: { code: "KV2227", severity: "error", title: "AUTH owner(field) names a field that no entity the endpoint queries has" },
  UnknownAuthEntity: { code: "KV2300", severity: "error", title: "AUTH api_key or session names an entity, or a field of it, that is not declared (entity:, hash:, subject:, a claim)" },
  UnknownClaimsShape: { code: "KV2228", severity: "error", title: "claims: names a VALIDATE shape that is not declared" },
  UnknownRateLimitKey: { code: "KV2240", severity: "error", title: "RATE_LIMIT … BY something other than ip, header(\"name\") or $auth.claim" },
  RateLimitByAuthWithoutAuth: { code: "KV2241", severity: "error", title: "RATE_LIMIT … BY $auth.… where no caller is signed in (no AUTH)" },
  DuplicateAppRateLimit: { code: "KV2242", severity: "error", title: "two top-level RATE_LIMIT declarations (the app has one budget)" },
  DuplicateCors: { code: "KV2243", severity: "error", title: "two CORS declarations" },
  UnknownCorsSetting: { code: "KV2244", severity: "error", title: "a CORS setting Kova does not know" },
  UnknownCookieOption: { code: "KV2200", severity: "error", title: "a cookie in COOKIES { … } with an attribute Kova does not know" },
  CookieWithoutValue: { code: "KV2201", severity: "error", title: "a cookie written as an object without its `value`" },
  UnknownRouteParamType: { code: "KV2202", severity: "error", title: "a route parameter declared with a type it cannot have" },
  DuplicateQueryParam: { code: "KV2203", severity: "error", title: "a query parameter declared twice in one QUERY block" },
  UnknownParamOption: { code: "KV2204", severity: "error", title: "a query parameter option or modifier other than min, max, ? and DEFAULT" },
  UnknownShapeOption: { code: "KV2205", severity: "error", title: "a VALIDATE shape option other than unknown: \"reject\" or \"drop\"" },
  NotAKovaLibrary: { code: "KV2022", severity: "error", title: "an IMPORT of a .kova file from an npm package that is not a Kova library (no \"kova\" field)" },
  RecursiveFunction: { code: "KV2160", severity: "error", title: "an FN that calls itself, directly or through other functions (recursion is refused)" },
  ShadowedName: { code: "KV2161", severity: "error", title: "a loop variable or FN parameter with the name of a variable already in scope" },
  UnknownView: { code: "KV2162", severity: "error", title: "a VIEW of an entity that is not declared, or a VIEW used with another entity" },
  DuplicateParameter: { code: "KV2163", severity: "error", title: "an FN with two parameters of the same name" },
  MisplacedStatement: { code: "KV2164", severity: "error", title: "RETURN outside an FN, or RESPOND inside one" },
  DuplicateColumn: { code: "KV2120", severity: "error", title: "two columns of one SELECT with the same name" },
  UnknownAggregate: { code: "KV2121", severity: "error", title: "a call in a SELECT that is not an aggregate (COUNT, SUM, AVG, MIN, MAX) nor a function the database can run" },
  UnknownColumn: { code: "KV2122", severity: "error", title: "ORDER_BY names something that is not a column of a grouped or DISTINCT result" },
  ShapedSelectWithRelations: { code: "KV2123", severity: "error", title: "related rows selected (or ordered by) in a grouped, aggregated or DISTINCT SELECT, or an AFTER page ordered through a reference" },
  // ── types and values
  IncompatibleComparison: { code: "KV3001", severity: "error", title: "a comparison between values of types that can never match" },
  TypeMismatch: { code: "KV3002", severity: "error", title: "a value of the wrong type for where it is used" },
  InvalidTimestamp: { code: "KV3003", severity: "error", title: "an AS OF value that is not a timestamp" },
  DivisionByZero: { code: "KV3004", severity: "error", title: "a constant expression that divides by zero" },
  InvalidStatus: { code: "KV3005", severity: "error", title: "an HTTP status outside 100–599 (or the wrong class for ERROR)" },
  InvalidTypeArguments: { code: "KV3006", severity: "error", title: "bad arguments or options for a field type" },
  WrongArgumentCount: { code: "KV3007", severity: "error", title: "a built-in function called with the wrong number of arguments" },
  InvalidLimit: { code: "KV3008", severity: "error", title: "a LIMIT or OFFSET that is not a non-negative integer" },
  BodyWithoutValidate: { code: "KV3009", severity: "warning", title: "$body read by an endpoint without VALIDATE, so its shape is unchecked" },
  InvalidRedirect: { code: "KV3150", severity: "error", title: "a REDIRECT with a status that is not a redirect (301, 302, 303, 307, 308) or an address that is not text" },
  InvalidCookieAttribute: { code: "KV3151", severity: "error", title: "a cookie attribute of the wrong type, or a same_site other than lax, strict, none" },
  InvalidParamDefault: { code: "KV3153", severity: "error", title: "a query parameter's DEFAULT, bounds or enum values that do not fit its declared type" },
  UnsupportedCondition: { code: "KV3010", severity: "error", title: "a WHERE condition that computes with fields instead of comparing them" },
  InvalidAuthSetting: { code: "KV3160", severity: "error", title: "an AUTH setting (or AUTH modifier) with a value it cannot take" },
  MissingAuthSetting: { code: "KV3161", severity: "error", title: "an AUTH scheme without a setting it needs (key, algorithm, claims with sub)" },
  InvalidRegex: { code: "KV3130", severity: "error", title: "a constant regular expression that does not compile" },
  UnknownTimeZone: { code: "KV3131", severity: "error", title: "a constant time zone that is not an IANA name" },
  InvalidArgument: { code: "KV3132", severity: "error", title: "a constant argument a built-in does not accept (a date unit, a sort order)" },
  InconsistentReturn: { code: "KV3133", severity: "error", title: "an FN whose RETURNs give values of different types" },
  FunctionArgumentCount: { code: "KV3134", severity: "error", title: "an FN or VIEW called with the wrong number of arguments" },
  InvalidRateLimit: { code: "KV3170", severity: "error", title: "a RATE_LIMIT count that is not a whole number ≥ 1, or a window that is not a duration from 1s to 1d" },
  InvalidOrigin: { code: "KV3171", severity: "error", title: "a CORS origin that is not exactly scheme://host[:port]" },
  CorsWildcardWithCredentials: { code: "KV3172", severity: "error", title: "CORS origins \"*\" together with credentials: true" },
  InvalidCorsValue: { code: "KV3173", severity: "error", title: "a CORS setting with a value of the wrong kind (methods, headers, credentials, max_age)" },
  CorsWithoutOrigins: { code: "KV3174", severity: "error", title: "a CORS block without origins" },
  MisplacedAggregate: { code: "KV3110", severity: "error", title: "an aggregate (COUNT, SUM, …) where it cannot go: in WHERE (use HAVING) or outside a SELECT" },
  UngroupedField: { code: "KV3111", severity: "error", title: "a selected field that is neither in GROUP_BY nor inside an aggregate" },
  AggregateType: { code: "KV3112", severity: "error", title: "an aggregate of a field of the wrong type (SUM/AVG of text, MIN/MAX of boolean or json)" },
  UnsupportedColumn: { code: "KV3113", severity: "error", title: "a computed SELECT column the database cannot compute, or one without a name" },
  InvalidShape: { code: "KV3114", severity: "error", title: "SELECT clauses that do not go together (HAVING without grouping, WITH TOTAL on one aggregate row, GROUP_BY with *)" },
  // ── tasks and queues (TASK, ENQUEUE, fetch_json)
  UnknownTask: { code: "KV2450", severity: "error", title: "ENQUEUE of a name that is no TASK" },
  TaskArgumentCount: { code: "KV2451", severity: "error", title: "ENQUEUE with the wrong number of arguments for its TASK" },
  TaskArgumentType: { code: "KV2452", severity: "error", title: "an ENQUEUE argument whose type does not fit the TASK's parameter" },
  InvalidCron: { code: "KV2453", severity: "error", title: "a CRON expression that is not valid" },
  InvalidTimeZone: { code: "KV2454", severity: "error", title: "a TZ that is no IANA time zone, or TZ without CRON" },
  InvalidTaskInterval: { code: "KV2455", severity: "error", title: "an EVERY interval that is not a constant duration of at least one second" },
  UnknownTaskSetting: { code: "KV2456", severity: "error", title: "a TASK setting Kova does not know" },
  InvalidTaskSetting: { code: "KV2457", severity: "error", title: "a TASK setting with a value out of range or of the wrong kind" },
  ScheduledTaskParams: { code: "KV2458", severity: "error", title: "a scheduled TASK (EVERY/CRON) with parameters, or ENQUEUE of a scheduled TASK" },
  InvalidEnqueueOption: { code: "KV2459", severity: "error", title: "ENQUEUE … DELAY that is not a duration, or KEY that is not text" },
  OutboundCallInTransaction: { code: "KV2460", severity: "error", title: "fetch_json in an endpoint or task that writes: the call would hold the transaction open" },
  MisplacedInTask: { code: "KV2461", severity: "error", title: "RESPOND, REDIRECT or a request value ($body, $query, …) inside a TASK" },
  // ── not supported yet
  CacheNotSupported: { code: "KV9001", severity: "error", title: "CACHE is parsed but not supported yet" },
  SocketNotSupported: { code: "KV9002", severity: "error", title: "SOCKET is parsed but not supported yet" },
  WorkerNotSupported: { code: "KV9005", severity: "error", title: "WORKER is parsed but not supported yet" },
  QueryNotSupportedByDriver: { code: "KV9006", severity: "error", title: "a query the driver of its entity's data source cannot run" },
  // KV9004 (AUTH not supported yet) is retired: AUTH is supported. KV9035 (api_key and session not supported yet) is retired: both are. KV9003 (TASK) too: TASK is supported.
  // KV9025 (nested VIEW items need entity relations) is retired: nested VIEW items read relations.
  // ── relations (nested selections, filters and orders through references and inverse relations)
  UnknownRelation: { code: "KV2100", severity: "error", title: "a name used as a relation that is no reference field or inverse relation of the entity" },
  InvalidInverseRelation: { code: "KV2101", severity: "error", title: "an inverse relation (posts: Post[] BY author) whose BY is not a reference back to this entity" },
  RelationCycle: { code: "KV2102", severity: "error", title: "a nested selection that leads back to an entity already selected on its path" },
  RelationTooDeep: { code: "KV2103", severity: "error", title: "related selections nested deeper than Kova allows" },
  RelationShape: { code: "KV3100", severity: "error", title: "a relation used as the wrong shape (one row counted or limited, a list compared, EXISTS outside a query)" },
  RelationOutsideSelect: { code: "KV9010", severity: "error", title: "a condition through a relation in an UPDATE, DELETE or HISTORY (only SELECT reads related rows)" },
  // ── transactions and constraints (KV1221–1229, KV2140–2159, KV3120–3129, KV9020–9024)
  ExpectedOnDeleteAction: { code: "KV1221", severity: "error", title: "ON DELETE without RESTRICT, CASCADE or SET NULL after it" },
  UnknownConstraintField: { code: "KV2140", severity: "error", title: "a composite UNIQUE or INDEX naming a field the entity does not have" },
  DuplicateConstraintField: { code: "KV2141", severity: "error", title: "a field listed twice in one composite UNIQUE or INDEX" },
  OnDeleteWithoutReference: { code: "KV2142", severity: "error", title: "ON DELETE on a field that does not refer to another entity" },
  ReferenceAcrossDataSources: { code: "KV2143", severity: "error", title: "ON DELETE on a reference to an entity kept in another data source" },
  SetNullOnRequiredField: { code: "KV3120", severity: "error", title: "ON DELETE SET NULL on a required field (it cannot hold null)" },
  WriteNotAtomicOnDriver: { code: "KV9020", severity: "error", title: "an endpoint that can fail after writing to a data source that cannot roll back" },
  ConstraintNotSupportedByDriver: { code: "KV9021", severity: "error", title: "a composite UNIQUE/INDEX or ON DELETE on a driver that cannot enforce it" },
  // ── history control (KV2340–2379, KV9050–9059)
  NoHistoryRead: { code: "KV2340", severity: "error", title: "HISTORY or AS OF on an entity marked NO HISTORY (it keeps no versions)" },
  SecretFieldInPast: { code: "KV2341", severity: "error", title: "a SECRET field named in HISTORY or AS OF (history keeps no value for it)" },
  // ── nested VIEWs (KV2342–2349)
  NestedViewCall: { code: "KV2342", severity: "error", title: "a VIEW with nested relations called on rows already loaded (it shapes rows only in SELECT)" },
  ViewWithRelations: { code: "KV2343", severity: "error", title: "a related selection or COUNT beside a VIEW in SELECT (the view's shape has no place for it)" },
  // ── list fields (KV2380–2419, KV9060–9069)
  UnsupportedListElement: { code: "KV2380", severity: "error", title: "a list field (tags: text[]) whose element type is not text, int or float" },
  ListFieldModifier: { code: "KV2381", severity: "error", title: "UNIQUE, INDEX or DEFAULT on a list field" },
  ListFieldMisuse: { code: "KV2382", severity: "error", title: "a list field used where one value is needed (compared, ordered, grouped, aggregated) instead of tested with contains" },
  JsonPathNotAValue: { code: "KV2383", severity: "error", title: "ORDER_BY a json path that leads to an object or a list, or through one, in a json field's declared shape" },
  // ── file uploads (KV2750–2799)
  FilePlacement: { code: "KV2750", severity: "error", title: "a file field that is not a top-level field of a VALIDATE shape named by an endpoint (nested, in a list, or in a shape used elsewhere)" },
  FileSizeLimit: { code: "KV2751", severity: "error", title: "a file field without max, or whose max is not a whole number of bytes above 0" },
  UnknownFileType: { code: "KV2752", severity: "error", title: "a file field's types listing a media type Kova cannot recognise by content" },
  FileFieldModifier: { code: "KV2753", severity: "error", title: "UNIQUE, INDEX, PRIMARY or DEFAULT on an entity's file field" },
});

export type CodeName = keyof typeof Codes;
