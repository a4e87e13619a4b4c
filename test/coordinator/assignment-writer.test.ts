// Assignments written in groups: what arrives in one turn of the event loop goes in one INSERT,
// what arrives while it is in flight in the next one.
import { describe, expect, it } from 'vitest';
import { AssignmentWriter } from '../../src/coordinator/assignments.ts';
import type { SqlParameter, SqlRunner } from '../../src/db/raw-sql.ts';

/** A database whose statements finish only when the test says so. */
function heldDatabase() {
  const statements: { rows: number; params: readonly SqlParameter[]; finish: (error?: Error) => void }[] = [];
  const sql: SqlRunner = {
    query: (text, params = []) =>
      new Promise((resolve, reject) => {
        const rows = (text.match(/\$\d+::uuid, \$\d+::uuid, \$\d+::uuid, \$\d+::uuid, \$\d+::jsonb/g) ?? []).length;
        statements.push({ rows, params, finish: (error) => (error ? reject(error) : resolve([])) });
      }),
  };
  return { sql, statements };
}

const assignment = (n: number) => ({
  requesterClientId: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  contentId: '00000000-0000-7000-8000-0000000000ff',
  requestedById: null,
  sources: [{ kind: 'CDN' as const, peerClientId: null, peerAddress: null, grantId: null, nodeComponentId: null, nodeAddress: '23.72.14.2', pieces: null, reason: 'no peer holds it' }],
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AssignmentWriter', () => {
  it('writes what arrives together at the end of the turn, and what arrives meanwhile in one INSERT after it', async () => {
    const { sql, statements } = heldDatabase();
    const writer = new AssignmentWriter(sql);
    const answered: number[] = [];
    const first = Promise.all([writer.store(assignment(0)), writer.store(assignment(10))]).then(() => answered.push(0, 10));
    expect(statements).toEqual([]);
    await tick();
    expect(statements.map((s) => s.rows)).toEqual([2]);
    const rest = Array.from({ length: 9 }, (_, i) => writer.store(assignment(i + 1)).then(() => answered.push(i + 1)));
    await tick();
    // Nothing is answered before its row is written.
    expect(statements.map((s) => s.rows)).toEqual([2]);
    expect(answered).toEqual([]);

    statements[0]!.finish();
    await first;
    await tick();
    expect(statements.map((s) => s.rows)).toEqual([2, 9]);
    expect(answered).toEqual([0, 10]);
    statements[1]!.finish();
    await Promise.all(rest);
    expect(answered.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Each row carries its own requester, in the order they were asked.
    expect(statements[1]!.params.filter((_, i) => i % 6 === 1)).toEqual(Array.from({ length: 9 }, (_, i) => assignment(i + 1).requesterClientId));
  });

  it('fails every assignment of a group whose INSERT failed, and goes on with the next group', async () => {
    const { sql, statements } = heldDatabase();
    const writer = new AssignmentWriter(sql);
    const first = writer.store(assignment(0));
    await tick();
    const second = writer.store(assignment(1));
    const third = writer.store(assignment(2));
    statements[0]!.finish(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await tick();
    statements[1]!.finish(new Error('still lost'));
    await expect(second).rejects.toThrow('still lost');
    await expect(third).rejects.toThrow('still lost');
    const fourth = writer.store(assignment(3));
    await tick();
    statements[2]!.finish();
    await expect(fourth).resolves.toMatchObject({ requesterClientId: assignment(3).requesterClientId });
  });
});
