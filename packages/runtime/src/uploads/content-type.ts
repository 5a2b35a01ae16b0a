/** Whether a request says it sends multipart/form-data (its own module: the multipart reader loads on the first upload). */
export function isMultipart(contentType: string | undefined): boolean {
  return contentType !== undefined && /^\s*multipart\/form-data\s*(;|$)/i.test(contentType);
}
