// The webhook signature as a receiver checks it: HMAC-SHA256 of "<timestamp>.<raw body>" with the
// rule's secret, hex, after "sha256="; the timestamp within five minutes of the receiver's clock.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signature, signatureHeaders, verifySignature } from '../../src/reports/webhook-signature.ts';

const secret = 'whsec_test-secret';
const body = '{"type":"alert","alert":{"level":"EXCEEDED","value":"10500"}}';
const sentAt = new Date('2026-11-10T11:00:00.000Z');
const timestamp = String(sentAt.getTime() / 1000);
const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

describe('signing', () => {
  it('signs "<timestamp>.<body>" with HMAC-SHA256, in hex', () => {
    expect(signature(secret, Number(timestamp), body)).toBe(expected);
  });

  it('puts the unix seconds and the signature in two headers', () => {
    expect(signatureHeaders(secret, body, new Date(sentAt.getTime() + 999))).toEqual({
      'PathLedger-Timestamp': timestamp,
      'PathLedger-Signature': `sha256=${expected}`,
    });
  });

  it('signs the body’s bytes: a Buffer and its UTF-8 string agree', () => {
    const text = '{"rule":{"name":"Übertragung → SP1"}}';
    expect(signature(secret, 1, Buffer.from(text, 'utf8'))).toBe(signature(secret, 1, text));
  });
});

describe('verifySignature', () => {
  const verify = (overrides: { secret?: string; timestamp?: string | null; body?: string | Buffer; header?: string | null; now?: Date; toleranceSeconds?: number } = {}) =>
    verifySignature(
      overrides.secret ?? secret,
      overrides.timestamp === undefined ? timestamp : overrides.timestamp,
      overrides.body ?? body,
      overrides.header === undefined ? `sha256=${expected}` : overrides.header,
      { now: overrides.now ?? new Date(sentAt.getTime() + 2000), toleranceSeconds: overrides.toleranceSeconds },
    );

  it('accepts a genuine, fresh webhook (body as string or as the raw Buffer)', () => {
    expect(verify()).toBe(true);
    expect(verify({ body: Buffer.from(body) })).toBe(true);
    expect(verify({ header: `SHA256=${expected.toUpperCase()}` })).toBe(true);
  });

  it('refuses another secret, a changed body, a changed timestamp', () => {
    expect(verify({ secret: 'whsec_other' })).toBe(false);
    expect(verify({ body: body.replace('10500', '10501') })).toBe(false);
    expect(verify({ body: `${body} ` })).toBe(false);
    expect(verify({ timestamp: String(Number(timestamp) + 1) })).toBe(false);
  });

  it('refuses a missing or malformed header', () => {
    expect(verify({ header: null })).toBe(false);
    expect(verify({ timestamp: null })).toBe(false);
    expect(verify({ header: expected })).toBe(false);
    expect(verify({ header: `sha1=${expected}` })).toBe(false);
    expect(verify({ header: `sha256=${expected.slice(0, 62)}` })).toBe(false);
    expect(verify({ timestamp: `${timestamp}.5` })).toBe(false);
    expect(verify({ timestamp: '-1' })).toBe(false);
  });

  it('refuses a timestamp outside the tolerance, either way (a replay, a skewed clock)', () => {
    const at = (seconds: number) => new Date(sentAt.getTime() + seconds * 1000);
    expect(verify({ now: at(300) })).toBe(true);
    expect(verify({ now: at(301) })).toBe(false);
    expect(verify({ now: at(-300) })).toBe(true);
    expect(verify({ now: at(-301) })).toBe(false);
    expect(verify({ now: at(3600), toleranceSeconds: 3600 })).toBe(true);
  });
});
