// Lines of an NDJSON byte stream, as the chunks arrive: a line may be split across chunks (even
// inside a UTF-8 character), only the line being read is held, and a line longer than the cap is
// skipped to its end without being held at all.
import { isUtf8 } from 'node:buffer';

/** One line, numbered from 0 as the sender counts them; or why it cannot be read. */
export type Line = { index: number; text: string } | { index: number; problem: string };

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Splits bytes into lines at LF. Every LF ends a line, blank ones included, so numbers match a
 * text editor's (less one); a CR before the LF is dropped; a last line without LF is a line; the
 * LF at the very end starts none. `maxLineBytes` bounds a line without its line ending. A UTF-8
 * byte order mark at the start of the stream is ignored.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** The line under way is over the cap: its bytes are counted, not kept. */
  private skipped: number | null = null;
  private next = 0;

  constructor(
    private readonly maxLineBytes: number,
    private readonly emit: (line: Line) => void,
  ) {}

  /** Lines numbered so far, blank and unreadable ones included. */
  get lines(): number {
    return this.next;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      this.take(chunk, start, newline === -1 ? chunk.length : newline);
      if (newline === -1) return;
      this.finishLine();
      start = newline + 1;
    }
  }

  /** The stream ended: its last line, if it had no LF. */
  end(): void {
    if (this.partBytes > 0 || this.skipped !== null) this.finishLine();
  }

  private take(chunk: Buffer, start: number, end: number): void {
    const length = end - start;
    if (length === 0) return;
    if (this.skipped !== null) {
      this.skipped += length;
      return;
    }
    // One byte of room for a CR, which does not count.
    if (this.partBytes + length > this.maxLineBytes + 1) {
      this.skipped = this.partBytes + length;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    this.parts.push(chunk.subarray(start, end));
    this.partBytes += length;
  }

  private finishLine(): void {
    const index = this.next++;
    const skipped = this.skipped;
    let line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    this.skipped = null;
    if (skipped !== null) return this.emit({ index, problem: this.tooLong(skipped) });
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, line.length - 1);
    if (line.length > this.maxLineBytes) return this.emit({ index, problem: this.tooLong(line.length) });
    if (index === 0 && line.subarray(0, 3).equals(BYTE_ORDER_MARK)) line = line.subarray(3);
    if (!isUtf8(line)) return this.emit({ index, problem: 'is not valid UTF-8.' });
    this.emit({ index, text: line.toString('utf8') });
  }

  private tooLong(bytes: number): string {
    return `is ${bytes.toLocaleString('en-US')} bytes long; a line may have at most ${this.maxLineBytes.toLocaleString('en-US')}.`;
  }
}
