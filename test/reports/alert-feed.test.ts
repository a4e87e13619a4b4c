// The subscription's event stream over the alert feed, without a database: a detached feed that
// the test publishes on, and a `load` that answers from a table of its own.
import { describe, expect, it } from 'vitest';
import { AlertFeed, firedAlertStream } from '../../src/reports/alert-feed.ts';

const table: Record<string, string> = { a1: 'APPROACHING', a2: 'EXCEEDED', hidden: 'secret', a3: 'BELOW' };

/** Answers the ids it may see, as the resolver does with the key's visibility. */
const visibleRows = async (ids: readonly string[]) => ids.filter((id) => id !== 'hidden').map((id) => table[id]!);

describe('the alert stream of one subscriber', () => {
  it('yields each visible alert of each announcement, in the order announced', async () => {
    const feed = AlertFeed.detached();
    const stream = firedAlertStream(feed, visibleRows);
    feed.publish(['a1', 'hidden']);
    feed.publish(['a2', 'a3']);
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await stream.next()).value);
    expect(seen).toEqual(['APPROACHING', 'EXCEEDED', 'BELOW']);
    await stream.return!();
  });

  it('keeps announcement order when an earlier load is slower than a later one', async () => {
    const feed = AlertFeed.detached();
    const delays: Record<string, number> = { a1: 30, a2: 0 };
    const stream = firedAlertStream(feed, async (ids) => {
      await new Promise((resolve) => setTimeout(resolve, delays[ids[0]!] ?? 0));
      return visibleRows(ids);
    });
    feed.publish(['a1']);
    feed.publish(['a2']);
    expect((await stream.next()).value).toBe('APPROACHING');
    expect((await stream.next()).value).toBe('EXCEEDED');
    await stream.return!();
  });

  it('stops listening at once when the subscriber leaves, even while it waits for the next alert', async () => {
    const feed = AlertFeed.detached();
    const stream = firedAlertStream(feed, visibleRows);
    const waiting = stream.next();
    expect(feed.subscribers).toBe(1);
    await stream.return!();
    expect(feed.subscribers).toBe(0);
    expect(await waiting).toEqual({ value: undefined, done: true });
    feed.publish(['a1']);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('ends when load answers null (the key was revoked), delivering nothing of that announcement', async () => {
    const feed = AlertFeed.detached();
    let revoked = false;
    const stream = firedAlertStream(feed, async (ids) => (revoked ? null : visibleRows(ids)));
    feed.publish(['a1']);
    expect((await stream.next()).value).toBe('APPROACHING');
    revoked = true;
    feed.publish(['a2']);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(feed.subscribers).toBe(0);
  });

  it('fails with the error of a load that failed, and stops listening', async () => {
    const feed = AlertFeed.detached();
    const stream = firedAlertStream(feed, async () => {
      throw new Error('the database went away');
    });
    const waiting = stream.next();
    feed.publish(['a1']);
    await expect(waiting).rejects.toThrow('the database went away');
    expect(feed.subscribers).toBe(0);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
