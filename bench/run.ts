// Runs every bench/*.bench.ts in turn. Each prints its figures as JSON lines on stdout.
// The server parts run as `npm start` runs them: in production mode (before a bench loads graphql).
import '../src/production-default.ts';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
for (const file of readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort()) {
  if (only && !file.includes(only)) continue;
  const bench = (await import(pathToFileURL(join(here, file)).href)) as { run(): Promise<void> };
  await bench.run();
}
