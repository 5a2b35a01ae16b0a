export { openApiDocument, SECURITY_SCHEME, type OpenApiDocument, type OpenApiOptions } from "./openapi.js";
export { routeResponses, type RouteResponse } from "./responses.js";
export { componentSchemas, type JsonSchema } from "./schemas.js";
export { operationId, openApiPath } from "./operations.js";
