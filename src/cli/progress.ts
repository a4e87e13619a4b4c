// Progress on standard error, as `ipdb build` shows it: one line redrawn in place on a terminal,
// a plain line per tenth of the work otherwise (a log, CI output, a test's CliIO).
import type { CliIO } from './support.ts';

export interface Progress {
  /** `done` of the total, in the unit the description uses. */
  update(done: number): void;
  /** The work is over: a live line is cleared, so what follows starts on a clean line. */
  end(): void;
}

export interface ProgressOptions {
  total: number;
  /** The line for `done` of `total`. */
  describe(done: number, total: number): string;
  /** Redraw one line on this terminal rather than write a line per tenth to `io.err`. */
  live?: NodeJS.WriteStream;
}

export function progress(io: CliIO, options: ProgressOptions): Progress {
  return options.live ? new LiveProgress(options.live, options) : new LoggedProgress(io, options);
}

/** One line on a terminal, redrawn at most ten times a second (and at the end). */
class LiveProgress implements Progress {
  private lastDrawn = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly options: ProgressOptions,
  ) {}

  update(done: number): void {
    const now = Date.now();
    if (done < this.options.total && now - this.lastDrawn < 100) return;
    this.lastDrawn = now;
    this.drawn = true;
    this.stream.write(`\r\x1b[K${this.options.describe(done, this.options.total)}`);
  }

  end(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
  }
}

/** A line per tenth reached, the first at the start. */
class LoggedProgress implements Progress {
  private tenth = -1;

  constructor(
    private readonly io: CliIO,
    private readonly options: ProgressOptions,
  ) {}

  update(done: number): void {
    const { total } = this.options;
    const tenth = total === 0 ? 10 : Math.min(10, Math.floor((done / total) * 10));
    if (tenth <= this.tenth) return;
    this.tenth = tenth;
    this.io.err(this.options.describe(done, total));
  }

  end(): void {}
}

/** "45% (12.3 of 27.0 MB)", in the unit that suits the total. */
export function describeBytes(done: number, total: number): string {
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  const [divisor, unit] = sizeUnit(total);
  return `${percent}% (${(done / divisor).toFixed(1)} of ${(total / divisor).toFixed(1)} ${unit})`;
}

/** "812.0 kB", "27.0 MB", "3.2 GB". */
export function formatSize(bytes: number): string {
  const [divisor, unit] = sizeUnit(bytes);
  return `${(bytes / divisor).toFixed(1)} ${unit}`;
}

function sizeUnit(bytes: number): [number, string] {
  if (bytes >= 1e9) return [1e9, 'GB'];
  if (bytes >= 1e6) return [1e6, 'MB'];
  return [1e3, 'kB'];
}
