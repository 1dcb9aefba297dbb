/**
 * An error's message on one line, followed by its causes: undici's "fetch
 * failed" says nothing until its cause ("connect ECONNREFUSED 127.0.0.1:6443")
 * is added.
 */
export function errorMessage(error: unknown): string {
  const parts: string[] = [];
  for (let cause: unknown = error, depth = 0; cause !== undefined && cause !== null && depth < 5; depth++) {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (message && !parts.some((part) => part.includes(message))) parts.push(message);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return parts.join(': ').replace(/\s*\n\s*/g, ' ');
}
