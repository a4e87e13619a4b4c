import { defineConfig } from 'prisma/config';

// The CLI is used for `prisma generate` only; migrations run through the WebAssembly schema
// engine (src/db/migrations.ts) because the native engine cannot be downloaded here.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
