/** An HTTP problem's status as a gRPC status code (the mapping gRPC's own HTTP gateway documents, read backwards). */
export function grpcCodeFor(status: number): number {
  switch (status) {
    case 400:
    case 415:
    case 422:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 409:
      return 6; // ALREADY_EXISTS
    case 412:
      return 9; // FAILED_PRECONDITION
    case 413:
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 501:
      return 12; // UNIMPLEMENTED
    case 503:
      return 14; // UNAVAILABLE
    case 504:
      return 4; // DEADLINE_EXCEEDED
    default:
      return status >= 500 ? 13 : 2; // INTERNAL, UNKNOWN
  }
}
