// Run by bench/ipdb-build.bench.ts in a process of its own, so that the peak memory it reports is
// the build's (plus Node's and tsx's own): builds the full IP-to-AS database from the packaged
// CSVs into the file named by the first argument and prints one JSON line.
import { buildAsnDatabase, packagedAsnCsv } from '../../src/ipdb/build.ts';

const outFile = process.argv[2];
if (outFile === undefined) throw new Error('usage: build-asn-child.ts <out-file>');
const stats = await buildAsnDatabase({ ipv4Csv: packagedAsnCsv('asn-ipv4.csv'), ipv6Csv: packagedAsnCsv('asn-ipv6.csv'), outFile });
console.log(
  JSON.stringify({
    seconds: stats.seconds,
    // resourceUsage().maxRSS is in KiB.
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    bytes: stats.bytes,
    ranges: stats.ranges,
    nodes: stats.nodes,
    recordSize: stats.recordSize,
  }),
);
