import { describe, expect, it } from 'vitest';
import { LineSplitter, type Line } from '../../src/http/ndjson.ts';

/** The lines of `chunks`, fed as they are. */
function split(chunks: (string | Buffer)[], maxLineBytes = 64): Line[] {
  const lines: Line[] = [];
  const splitter = new LineSplitter(maxLineBytes, (line) => lines.push(line));
  for (const chunk of chunks) splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  splitter.end();
  return lines;
}

/** Every way of cutting `text` in two. */
function everySplit(text: Buffer): Buffer[][] {
  return Array.from({ length: text.length + 1 }, (_, at) => [text.subarray(0, at), text.subarray(at)]);
}

describe('LineSplitter', () => {
  it('numbers every line, blank ones too; CRLF and a last line without LF', () => {
    expect(split(['a\r\nb\n\n  \nc'])).toEqual([
      { index: 0, text: 'a' },
      { index: 1, text: 'b' },
      { index: 2, text: '' },
      { index: 3, text: '  ' },
      { index: 4, text: 'c' },
    ]);
    expect(split(['a\n'])).toEqual([{ index: 0, text: 'a' }]);
    expect(split([])).toEqual([]);
    expect(split(['\n'])).toEqual([{ index: 0, text: '' }]);
  });

  it('reads the same lines however the bytes are cut, inside a character too', () => {
    const text = Buffer.from('{"title":"Größe"}\r\n€ü\n\nlast');
    const expected = split([text]);
    expect(expected.map((line) => ('text' in line ? line.text : line.problem))).toEqual(['{"title":"Größe"}', '€ü', '', 'last']);
    for (const chunks of everySplit(text)) expect(split(chunks)).toEqual(expected);
    expect(split([...text].map((byte) => Buffer.from([byte])))).toEqual(expected);
  });

  it('skips a line over the cap without keeping it, and goes on', () => {
    const long = 'x'.repeat(100);
    const lines = split(['ok\n', long.slice(0, 30), long.slice(30), '\nnext\n'], 64);
    expect(lines).toEqual([
      { index: 0, text: 'ok' },
      { index: 1, problem: 'is 100 bytes long; a line may have at most 64.' },
      { index: 2, text: 'next' },
    ]);
    // Exactly at the cap is fine, with a CR or without; the cap holds for a last line too.
    const full = 'y'.repeat(64);
    expect(split([`${full}\r\n${full}\n${full}z`], 64)).toEqual([
      { index: 0, text: full },
      { index: 1, text: full },
      { index: 2, problem: 'is 65 bytes long; a line may have at most 64.' },
    ]);
  });

  it('drops a byte order mark at the start, and names a line that is not UTF-8', () => {
    expect(split([Buffer.from([0xef, 0xbb]), Buffer.from([0xbf, 0x7b, 0x7d, 0x0a])])).toEqual([{ index: 0, text: '{}' }]);
    expect(split([Buffer.from([0x61, 0xff, 0x0a, 0x62])])).toEqual([
      { index: 0, problem: 'is not valid UTF-8.' },
      { index: 1, text: 'b' },
    ]);
  });
});
