export { compressionStage, COMPRESS_STAGE } from "./response.js";
export { decodeBody, unsupportedContentEncoding } from "./request.js";
export { compressionOptions, parseCompressionConfig, type CompressionConfig, type CompressionOptions, type Encoding } from "./options.js";
export { pickEncoding, worthCompressing } from "./negotiate.js";
