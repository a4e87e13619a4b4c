import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { CsvError, CsvToNdjson, firstRecord, parseHeader, splitRecord, transferOf } from '../../src/cli/csv-transfers.ts';

const HEADER = 'id,source,destination,bytes,startedAt,endedAt,content.title,content.owner,type,asPath,hops';

async function convert(csv: string | Buffer[], chunkSize?: number): Promise<{ lines: string[]; converter: CsvToNdjson }> {
  const bytes = typeof csv === 'string' ? Buffer.from(csv) : Buffer.concat(csv);
  const chunks = chunkSize ? Array.from({ length: Math.ceil(bytes.length / chunkSize) }, (_, i) => bytes.subarray(i * chunkSize, (i + 1) * chunkSize)) : [bytes];
  const converter = new CsvToNdjson();
  const out = await text(Readable.from(chunks).pipe(converter));
  return { lines: out.split('\n').slice(0, -1), converter };
}

describe('CSV fields', () => {
  it('splits as RFC 4180 says', () => {
    expect(splitRecord('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(splitRecord('"a,1","say ""hi""",,""')).toEqual(['a,1', 'say "hi"', '', '']);
    expect(splitRecord('"x",')).toEqual(['x', '']);
    expect(splitRecord('"two\nlines",b')).toEqual(['two\nlines', 'b']);
    expect(splitRecord('ab"c,d')).toEqual(['ab"c', 'd']);
  });

  it('finds the first record, across a quoted line break', () => {
    expect(firstRecord('a,b\r\nc')).toBe('a,b');
    expect(firstRecord('"a\nb",c\nd')).toBe('"a\nb",c');
    expect(firstRecord('a,b')).toBeNull();
  });

  it('checks the header', () => {
    expect(parseHeader(`\uFEFF${HEADER}`)).toHaveLength(11);
    expect(parseHeader('id,source,destination,bytes,startedAt,endedAt,type,content.id')).toContain('content.id');
    expect(() => parseHeader(`${HEADER},colour`)).toThrow('the header has a column "colour" that is not a transfer field');
    expect(() => parseHeader(`${HEADER},id`)).toThrow('the header has the column "id" twice.');
    expect(() => parseHeader('id,source,destination,bytes,startedAt,endedAt,type,content.title')).toThrow(
      'the header has no column content.id (the content as content.id, or content.title and content.owner).',
    );
    expect(() => parseHeader('id,source')).toThrow(CsvError);
  });

  it('makes a transfer of a record: lists split at ";", empty cells left out', () => {
    const columns = parseHeader(`${HEADER},content.id,peakRate`);
    const cells = ['t-1', '23.72.14.2', '73.162.40.110', '4000', '2026-11-12T20:00:00Z', '2026-11-12T20:10:00Z', 'Hamlet', 'moviestudio', 'CDN_DOWNLOAD', '3320; 1299 ;x', 'a.example;;b.example', '', ''];
    expect(transferOf(columns, cells)).toEqual({
      id: 't-1',
      source: '23.72.14.2',
      destination: '73.162.40.110',
      bytes: '4000',
      startedAt: '2026-11-12T20:00:00Z',
      endedAt: '2026-11-12T20:10:00Z',
      content: { title: 'Hamlet', owner: 'moviestudio' },
      type: 'CDN_DOWNLOAD',
      asPath: [3320, 1299, 'x'],
      hops: ['a.example', 'b.example'],
    });
  });
});

describe('CsvToNdjson', () => {
  const csv = [
    HEADER,
    't-1,23.72.14.2,73.162.40.110,4000,2026-11-12T20:00:00Z,2026-11-12T20:10:00Z,Hamlet,moviestudio,CDN_DOWNLOAD,3320;3215,',
    '',
    't-2,23.72.14.2,73.162.40.110,5000,2026-11-12T20:00:00Z,2026-11-12T20:10:00Z,"Matchday 1: Harbour City v ""Riverside""",league,LIVE_STREAM,,"a.example;',
    'b.example"',
    't-3,too,few',
    't-4,23.72.14.2,73.162.40.110,6000,2026-11-12T20:00:00Z,2026-11-12T20:10:00Z,Größe,moviestudio,CDN_DOWNLOAD,,',
  ].join('\r\n');

  it('writes one NDJSON line per record, whatever the chunks, and numbers file lines', async () => {
    const whole = await convert(csv);
    expect(whole.lines.map((line) => (line === '' ? '' : JSON.parse(line)))).toEqual([
      expect.objectContaining({ id: 't-1', asPath: [3320, 3215], content: { title: 'Hamlet', owner: 'moviestudio' } }),
      '',
      expect.objectContaining({ id: 't-2', hops: ['a.example', 'b.example'], content: { title: 'Matchday 1: Harbour City v "Riverside"', owner: 'league' } }),
      '',
      expect.objectContaining({ id: 't-4', content: { title: 'Größe', owner: 'moviestudio' } }),
    ]);
    expect(whole.converter.rejections).toEqual([{ index: 3, id: 't-3', field: 'line', message: 'has 3 fields; the header has 11.', code: 'INVALID' }]);
    expect(whole.converter.records).toBe(5);
    // Record 2 spans lines 5 and 6 of the file.
    expect([0, 1, 2, 3, 4].map((index) => whole.converter.lineOf(index))).toEqual([2, 3, 4, 6, 7]);
    for (const size of [1, 2, 7, 64]) expect((await convert(csv, size)).lines).toEqual(whole.lines);
  });

  it('refuses a file without a header, or with a quote never closed', async () => {
    await expect(convert('')).rejects.toThrow('the file is empty');
    await expect(convert(`${HEADER}\n"t-1,x`)).rejects.toThrow('the record on line 2 has a quote that is never closed.');
  });
});
