// One streaming POST to a server's /ingest: the body goes out as it is produced, and only after
// the server has accepted the request's headers (`Expect: 100-continue`), so that a refused key
// costs no upload.
import http from 'node:http';
import https from 'node:https';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A server that ignores `Expect: 100-continue` gets the body after this long anyway (as curl does). */
const CONTINUE_TIMEOUT_MS = 1000;

export interface PostResult {
  status: number;
  body: string;
}

/**
 * No answer came: the connection failed, or making the body did (a file that cannot be read or
 * converted; then `cause` is that error). `sending` says whether the body had started.
 */
export class ConnectionError extends Error {
  constructor(
    message: string,
    readonly sending: boolean,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'ConnectionError';
  }
}

/** Posts what the streams make (the first reads, the others transform) and returns the answer. */
export async function postStream(url: URL, headers: Record<string, string>, body: [Readable, ...Duplex[]]): Promise<PostResult> {
  const client = url.protocol === 'https:' ? https : http;
  // No agent: one request, and no kept-alive socket holding the process open afterwards.
  const request = client.request(url, { method: 'POST', headers: { ...headers, expect: '100-continue' }, agent: false });
  let sending = false;
  let sent = false;
  const send = () => {
    clearTimeout(timer);
    if (sending) return;
    sending = true;
    pipeline([...body, request]).then(
      () => (sent = true),
      // The request fails with the same error, and reports it.
      () => undefined,
    );
  };
  request.once('continue', send);
  request.flushHeaders();
  const timer = setTimeout(send, CONTINUE_TIMEOUT_MS);
  try {
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', (error) => reject(new ConnectionError(error.message, sending, { cause: error })));
    });
    clearTimeout(timer);
    let text = '';
    response.setEncoding('utf8');
    try {
      for await (const chunk of response) text += chunk as string;
    } catch (error) {
      throw new ConnectionError(`the answer broke off: ${(error as Error).message}`, sending, { cause: error });
    }
    return { status: response.statusCode ?? 0, body: text };
  } finally {
    clearTimeout(timer);
    // Refused before or while sending: stop reading the file.
    if (!sent) for (const stream of body) stream.destroy();
    request.destroy();
  }
}
