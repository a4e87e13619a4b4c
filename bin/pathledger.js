#!/usr/bin/env -S node --max-old-space-size=256
// The `pathledger` command. The sources are TypeScript run through tsx (as `npm start` does),
// so the loader is registered before the first .ts module is imported; hence the dynamic import.
// The V8 heap is capped (here and in `npm start`): what the server holds is bounded (caches,
// two batches of a stream), and without a cap V8 lets garbage pile up to hundreds of MB before it
// collects, so a long import would sit at twice the memory it needs. Raise it for a very large
// registry, or for a coordinator with many online peers (README, PATHLEDGER_HEAP_MB):
// node --max-old-space-size=1024 node_modules/.bin/pathledger serve.
import { register } from 'tsx/esm/api';

register();
// Production mode, as `npm start` (src/production-default.ts says why), before graphql is loaded.
await import('../src/production-default.ts');
const { main } = await import('../src/cli/main.ts');
// Resolves when the command is done (for `serve`, after shutdown).
const code = await main(process.argv.slice(2));
// Exit rather than wait for the event loop to drain: a library may leave a timer behind (the
// WebAssembly schema engine arms a 10 s one it never clears), and the work is done. Only the
// output still on its way is waited for.
const flushed = (stream) => new Promise((resolve) => stream.write('', resolve));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
