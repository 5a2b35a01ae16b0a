/**
 * @kova/runtime: serves a compiled Kova app (an `AppDefinition`) over HTTP, standalone on
 * node:http or mounted in Fastify. See README.md for the contract the compiler emits against.
 */
export {
  HttpError,
  type AppDefinition,
  type AppEnv,
  type DataSourceDefinition,
  type EnvRequirement,
  type HttpMethod,
  type ParamDefinition,
  type ParamType,
  type QueryParamDefinition,
  type QueryValues,
  type Reply,
  type RequestContext,
  type RouteDefinition,
  type ApiVersionDefinition,
  type TestDefinition,
  type ValidationIssue,
  type CorsDefinition,
  type RateLimitDefinition,
  type RateLimitKey,
  type SecurityDefinition,
  type EventFeed,
  type StreamSource,
} from "./app.js";
export { createServer } from "./create-server.js";
export type { KovaServer, ServerOptions } from "./server.js";
export { startApp, type RunningApp, type StartOptions } from "./start.js";
export { kovaFastifyPlugin, type KovaFastifyOptions } from "./fastify-plugin.js";
export { connectDataSources, DataSources, StartupError, type DataSourceHealth } from "./data-sources.js";
export { PROBLEM_CONTENT_TYPE, ProblemType, type Problem } from "./problem.js";
export { Pipeline, STAGES, type CoreStageName, type PipelineStage, type StagePlacement } from "./pipeline.js";
export { Exchange, type Serving, type StageOutcome } from "./exchange.js";
export { isCalendarDate, ParamFailure, parseParam, typeQuery } from "./params.js";
export type { DataSourceStatus } from "./health.js";
export { DEFAULT_BODY_LIMIT } from "./body.js";
export { compressionStage, compressionOptions, pickEncoding, worthCompressing, type CompressionConfig } from "./compression/index.js";
export { rowSerializer } from "./serialize.js";
export { loadEnv, loadFileConfig, resolveAppEnv } from "./config.js";
export {
  CookieError, readCookies, setCookieLine, setCookieLines,
  type CookieInput, type RequestCookies, type ResponseCookie, type ResponseCookies,
} from "./cookies.js";
export { runClustered, type ClusterOptions } from "./cluster.js";
export {
  authStage,
  AuthConfigError,
  AuthProblemType,
  hashPassword,
  hashToken,
  MAX_TOKEN_LENGTH,
  MIN_SECRET_BYTES,
  passwordNeedsRehash,
  randomToken,
  signToken,
  startSession,
  endSession,
  UNAUTHORIZED_DETAIL,
  verifyPassword,
  type AuthClaims,
  type AuthSchemeDefinition,
  type JwtAlgorithm,
  type RouteAuthDefinition,
} from "./auth/index.js";
export * as builtins from "./builtins.js";
export { KovaTypeError } from "./builtins.js";
export {
  CROSS_ORIGIN_REFUSED,
  HOST_NOT_ALLOWED,
  RATE_LIMITED,
  HttpSecurity,
  MemoryRateStore,
  SecurityConfigError,
  type SecurityOptions,
  type TrustProxy,
} from "./security/index.js";
export { GraphqlEndpoint, graphqlFromConfig, type GraphqlConfig } from "./graphql/endpoint.js";
export { buildGraphqlSchema, pluralField, servedEntities, type GraphqlOptions } from "./graphql/schema.js";
export { mappedOperations, type MappedOperation } from "./graphql/mapped.js";
export type { GraphqlAccess } from "./graphql/access.js";
export { ApiDocs, apiDocsOptions, DOCS_CSP, versionDocumentPath } from "./api-docs/api-docs.js";
export { versionHeaders, withVersionStage, API_VERSION_STAGE } from "./api-versions.js";
export * from "./tasks/index.js";
export { RealtimeHub, realtimeFor, type Member, type RealtimeStatus, type RoomMessage } from "./realtime/hub.js";
export { LocalFileStore, newFileKey, type ByteRange, type FileStore } from "./uploads/store.js";
export { S3FileStore, type S3Settings } from "./uploads/s3-store.js";
export { openFileStore, type UploadsConfig } from "./uploads/open.js";
export { FileDownload, UploadedFile, isUploadedFile, type FileRef } from "./uploads/uploaded-file.js";
export { SNIFFABLE_TYPES, sniff } from "./uploads/sniff.js";
export type { MultipartDefinition, UploadDefinition } from "./app.js";
export { startGrpcServer, type GrpcDefinition, type GrpcServerOptions, type RunningGrpc } from "./grpc/server.js";
export { toProtoValue, fromProtoValue, type ProtoValue } from "./grpc/value.js";
export { grpcCodeFor } from "./grpc/status.js";
export { BackupSchedule, backupFileName, controlSocketPath, parseBackupConfig, parseDuration, type BackupConfig } from "./backups/index.js";
export * from "./changes/index.js";
export * from "./cache/index.js";
export { registerTests, TestContext, expectHolds, type TestResponse } from "./testing/index.js";
// Operations (docs/operations.md): the metrics registry hook (a CACHE reports its hits and misses
// through recordCacheLookup) and the trace id of the work in progress.
export { Metrics, onMetricsRegistry, recordCacheLookup, type QueryLabels } from "./ops/metrics.js";
export { currentTraceId } from "./ops/trace-context.js";
export type { TlsConfig, MetricsConfig, TracingConfig } from "./ops/config.js";
