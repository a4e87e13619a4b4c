// The real IP-to-AS database, built from @ip-location-db/asn with our writer (about 6 s) and kept
// in node_modules/.cache under a name that changes with the data's version and the writer's
// source: a second test run or bench reuses it, a changed writer rebuilds it.
import { createHash } from 'node:crypto';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAsnDatabase, packagedAsnCsv } from '../../src/ipdb/build.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function cacheKey(): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(join(ROOT, 'node_modules/@ip-location-db/asn/package.json')));
  const writerDir = join(ROOT, 'src/ipdb');
  for (const file of (await readdir(writerDir)).sort()) hash.update(file).update(await readFile(join(writerDir, file)));
  return hash.digest('hex').slice(0, 16);
}

/** The path of the cached database, built first when it is not there. */
export async function cachedAsnDatabase(): Promise<string> {
  const file = join(ROOT, 'node_modules/.cache/pathledger', `asn-${await cacheKey()}.mmdb`);
  const built = await access(file).then(() => true, () => false);
  if (!built) await buildAsnDatabase({ ipv4Csv: packagedAsnCsv('asn-ipv4.csv'), ipv6Csv: packagedAsnCsv('asn-ipv6.csv'), outFile: file });
  return file;
}
