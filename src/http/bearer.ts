// The `Authorization: Bearer <key>` of a request (RFC 6750), as HTTP requests and WebSocket
// connections both carry it.

export type Credentials = { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string };

/** A value that is not a string (a WebSocket client's connection_init payload may hold anything) is malformed. */
export function bearerToken(header: unknown): Credentials {
  if (header === undefined) return { kind: 'none' };
  const match = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header) : null;
  return match?.[1] ? { kind: 'token', token: match[1] } : { kind: 'malformed' };
}
