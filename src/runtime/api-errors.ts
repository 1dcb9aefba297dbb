/** The HTTP status of a client-node ApiException, if it is one. */
export function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

export const isConflict = (error: unknown) => httpStatus(error) === 409;
export const isNotFound = (error: unknown) => httpStatus(error) === 404;

/** No answer (connection refused, reset, timed out), a server error or throttling: the same call may work later. */
export function isTransient(error: unknown): boolean {
  const code = httpStatus(error);
  return code === undefined || code >= 500 || code === 429;
}

/** A one-line description of an API error: client-node's message embeds whole response bodies and headers. */
export function describeError(error: unknown): string {
  const code = httpStatus(error);
  if (code === undefined) return (error as Error)?.message ?? String(error);
  const body = (error as { body?: unknown }).body;
  let message: string | undefined;
  try {
    message = (typeof body === 'string' ? JSON.parse(body) : body)?.message;
  } catch {
    message = undefined;
  }
  return `HTTP ${code}${message ? `: ${message}` : ''}`;
}
