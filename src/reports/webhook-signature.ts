// How a webhook proves it came from PathLedger and was not replayed: two headers on every POST,
//
//   PathLedger-Timestamp: <unix seconds when the attempt was sent>
//   PathLedger-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the rule's secret>
//
// The timestamp is inside what is signed, so a receiver that refuses old timestamps refuses a
// captured request sent again later; the body is signed as raw bytes, so a receiver must verify
// before parsing (re-serialised JSON would not match). The same scheme as Stripe's, whose
// receivers' habits carry over.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'PathLedger-Timestamp';
export const SIGNATURE_HEADER = 'PathLedger-Signature';

/** How far a timestamp may be from the receiver's clock, either way, by default: five minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The hex HMAC-SHA256 of "<timestamp>.<body>". */
export function signature(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest('hex');
}

/** The two headers for one attempt sent at `at`. */
export function signatureHeaders(secret: string, body: string, at: Date): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: `sha256=${signature(secret, timestamp, body)}` };
}

export interface VerifyOptions {
  toleranceSeconds?: number;
  /** The receiver's clock. */
  now?: Date;
}

/**
 * Whether a received webhook is genuine and fresh: the signature header matches the secret, the
 * timestamp header and the raw body, and the timestamp is within the tolerance of now. Compares in
 * constant time. `timestamp` and `header` are the headers' values as received (null or undefined
 * when absent, which fails).
 */
export function verifySignature(secret: string, timestamp: string | null | undefined, body: string | Buffer, header: string | null | undefined, options: VerifyOptions = {}): boolean {
  if (timestamp == null || header == null || !/^\d{1,12}$/.test(timestamp)) return false;
  const sent = Number(timestamp);
  const now = (options.now ?? new Date()).getTime() / 1000;
  if (Math.abs(now - sent) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return false;
  const expected = Buffer.from(signature(secret, sent, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}
