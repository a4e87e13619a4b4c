// `pathledger ipdb build`: the IP-to-AS database the path service reads, written from the
// RouteViews + DB-IP ranges shipped in @ip-location-db/asn with our own MaxMind DB writer.
// It needs no database, so it never opens one (the server may be running on the data folder).
import { ASN_DATABASE_FILE } from '../../config.ts';
import { IP_DATA_ATTRIBUTION } from '../../db/demo-world.ts';
import { AsnCsvError } from '../../ipdb/asn-csv.ts';
import { ASN_PACKAGE, buildAsnDatabase, packagedAsnCsv, type AsnBuildProgress, type AsnBuildStats } from '../../ipdb/build.ts';
import { MmdbWriterError } from '../../ipdb/writer.ts';
import { failureReason } from '../../observability/failure-reason.ts';
import { CommandError, EXIT_OK, UsageError, parse, processIO, type CliIO, type Command } from '../support.ts';


const help = `Usage: pathledger ipdb build [--out <file>] [--ipv4 <csv>] [--ipv6 <csv>]

Write the IP-to-AS database the path service reads: a MaxMind DB file with the fields of
GeoLite2-ASN (autonomous_system_number, autonomous_system_organization), made from the
RouteViews + DB-IP ranges in the npm package ${ASN_PACKAGE}. A file it writes answers
exactly as the CSV does (where rows overlap, as the later one); IPv4-mapped addresses
(::ffff:a.b.c.d) answer as IPv4.

  --out    the file to write; default PATHLEDGER_ASN_DB, else <PATHLEDGER_DATA_DIR>/${ASN_DATABASE_FILE}
           (./data/${ASN_DATABASE_FILE}): the file the server reads.
           It is replaced in one step, so a server watching it never reads half a file.
  --ipv4   IPv4 ranges as first_ip,last_ip,asn,organization; default the package's asn-ipv4.csv
  --ipv6   IPv6 ranges in the same form; default the package's asn-ipv6.csv

Needs no database and may run while the server does. Progress goes to standard error, the
summary to standard output. The data is CC BY 4.0: show its attribution wherever you use it.`;

export const ipdbCommand: Command = {
  name: 'ipdb',
  summary: 'build the IP-to-AS database from the RouteViews + DB-IP data',
  help,
  async run(args, { io, loadConfig }) {
    const [action, ...rest] = args;
    if (action === undefined) throw new UsageError('ipdb needs an action: build');
    if (action === 'help') {
      io.out(help);
      return EXIT_OK;
    }
    if (action !== 'build') throw new UsageError(`unknown ipdb action "${action}"`);
    const { values } = parse(rest, { out: { type: 'string' }, ipv4: { type: 'string' }, ipv6: { type: 'string' } });
    // The configuration is read only when --out is not given.
    const outFile = values.out ?? loadConfig().ipData.asn.path;
    const ipv4Csv = values.ipv4 ?? packagedCsv('asn-ipv4.csv', '--ipv4');
    const ipv6Csv = values.ipv6 ?? packagedCsv('asn-ipv6.csv', '--ipv6');
    await buildIpdb({ outFile, ipv4Csv, ipv6Csv }, io, io === processIO && process.stderr.isTTY === true);
    return EXIT_OK;
  },
};

function packagedCsv(name: Parameters<typeof packagedAsnCsv>[0], flag: string): string {
  try {
    return packagedAsnCsv(name);
  } catch {
    throw new CommandError(`${ASN_PACKAGE} is not installed, so there is no default for ${flag}: install it, or give ${flag} <csv>`);
  }
}

export interface IpdbBuildPaths {
  outFile: string;
  ipv4Csv: string;
  ipv6Csv: string;
}

/**
 * Builds and reports. `live` redraws one progress line in place (an interactive terminal);
 * otherwise progress comes as a plain line per tenth of the input, fit for a log.
 */
export async function buildIpdb(paths: IpdbBuildPaths, io: CliIO, live = false): Promise<AsnBuildStats> {
  const progress = live ? new LiveProgress(process.stderr) : new LoggedProgress(io);
  let stats: AsnBuildStats;
  try {
    stats = await buildAsnDatabase({ ...paths, onProgress: (update) => progress.show(update) });
  } catch (error) {
    throw explainBuildFailure(error);
  } finally {
    progress.end();
  }
  for (const line of describeBuild(stats)) io.out(line);
  io.out(IP_DATA_ATTRIBUTION);
  return stats;
}

function explainBuildFailure(error: unknown): unknown {
  if (error instanceof AsnCsvError || error instanceof MmdbWriterError) return new CommandError(error.message, { cause: error });
  const { path, code } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof path !== 'string') return error;
  // Node's own message repeats the path and names the system call; the reason is enough.
  const reason = code === 'ENOENT' ? 'no such file or folder' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : failureReason(error);
  return new CommandError(`${path}: ${reason}`, { cause: error });
}

export function describeBuild(stats: AsnBuildStats): string[] {
  const count = (value: number) => value.toLocaleString('en-US');
  const overlaps =
    stats.overlappingRanges === 0
      ? ''
      : `; ${count(stats.overlappingRanges)} overlapping an earlier one, where the later row wins`;
  const applied = Object.entries(stats.aliases).filter(([, outcome]) => outcome === 'applied' || outcome === 'partial');
  const kept = Object.entries(stats.aliases).filter(([, outcome]) => outcome === 'covered');
  const aliases = [
    applied.length > 0 ? `${applied.map(([network]) => network).join(', ')} answer${applied.length === 1 ? 's' : ''} as IPv4` : '',
    kept.length > 0 ? `${kept.map(([network]) => network).join(', ')} answer${kept.length === 1 ? 's' : ''} as the data says` : '',
  ].filter((part) => part !== '');
  return [
    `Wrote ${stats.outFile} (${(stats.bytes / 1_000_000).toFixed(1)} MB) in ${stats.seconds.toFixed(1)} s.`,
    `  ${count(stats.ranges)} ranges (${count(stats.ipv4Ranges)} IPv4, ${count(stats.ipv6Ranges)} IPv6${overlaps})`,
    `  ${count(stats.networks)} networks, ${count(stats.nodes)} nodes, ${stats.recordSize}-bit records, ${count(stats.records)} distinct records`,
    ...(aliases.length > 0 ? [`  ${aliases.join('; ')}`] : []),
  ];
}

interface ProgressDisplay {
  show(progress: AsnBuildProgress): void;
  end(): void;
}

function describeProgress({ phase, ranges, bytesRead, totalBytes }: AsnBuildProgress): string {
  if (phase === 'write') return `Writing the database (${ranges.toLocaleString('en-US')} ranges read)…`;
  const percent = totalBytes === 0 ? 100 : Math.floor((bytesRead / totalBytes) * 100);
  return `Reading ${phase === 'ipv4' ? 'IPv4' : 'IPv6'} ranges: ${percent}% (${ranges.toLocaleString('en-US')} ranges)`;
}

/** One line on a terminal, redrawn at most ten times a second. */
class LiveProgress implements ProgressDisplay {
  private lastDrawn = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  show(progress: AsnBuildProgress): void {
    const now = Date.now();
    if (progress.phase !== 'write' && now - this.lastDrawn < 100) return;
    this.lastDrawn = now;
    this.drawn = true;
    this.stream.write(`\r\x1b[K${describeProgress(progress)}`);
  }

  end(): void {
    // Clear the line so the summary starts on a clean one.
    if (this.drawn) this.stream.write('\r\x1b[K');
  }
}

/** A line when the phase changes and per tenth of the input: readable in a log or CI output. */
class LoggedProgress implements ProgressDisplay {
  private phase: AsnBuildProgress['phase'] | undefined;
  private tenth = 0;

  constructor(private readonly io: CliIO) {}

  show(progress: AsnBuildProgress): void {
    const tenth = progress.totalBytes === 0 ? 10 : Math.floor((progress.bytesRead / progress.totalBytes) * 10);
    if (progress.phase === this.phase && tenth <= this.tenth) return;
    this.phase = progress.phase;
    this.tenth = tenth;
    this.io.err(describeProgress(progress));
  }

  end(): void {}
}
