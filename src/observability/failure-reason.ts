// Why something failed, in one line for an operator: the start-up, the CLI and the logs agree.

/**
 * One line saying why. Prisma wraps a driver's words in "Invalid `prisma.…()` invocation:" and
 * "Message: `…`" on later lines; pg's connection failures can be an AggregateError without a
 * message of its own.
 */
export function failureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const quoted = /Message: `([^`]+)`/.exec(error.message)?.[1];
  if (quoted) return quoted;
  const lines = error.message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const line = lines[0]?.startsWith('Invalid `prisma') ? lines[lines.length - 1] : lines[0];
  if (line) return line;
  if (error instanceof AggregateError && error.errors.length > 0) return failureReason(error.errors[0]);
  const code = (error as NodeJS.ErrnoException).code;
  if (code) return code;
  return error.cause === undefined ? error.name : failureReason(error.cause);
}
