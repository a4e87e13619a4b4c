// Generates the typed clients the code is written against: the Prisma client from
// prisma/schema.prisma and the resolver types from schema.graphql. Runs after every install.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, printSchema } from 'graphql';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function generatePrismaClient(): void {
  // `prisma generate` does not need the native schema engine, but the CLI tries to download it
  // first unless told where one is. Offline, any existing file will do (PLATFORM-NOTES.md).
  const env = { ...process.env };
  env.PRISMA_SCHEMA_ENGINE_BINARY ??= join(root, 'package.json');
  env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
  execFileSync(join(root, 'node_modules/.bin/prisma'), ['generate'], { cwd: root, env, stdio: 'inherit' });
}

/** Types only: a production install (without dev dependencies) runs fine without them. */
async function generateResolverTypes(): Promise<void> {
  let codegen: typeof import('@graphql-codegen/core').codegen;
  let typescriptPlugin: typeof import('@graphql-codegen/typescript');
  let resolversPlugin: typeof import('@graphql-codegen/typescript-resolvers');
  try {
    ({ codegen } = await import('@graphql-codegen/core'));
    typescriptPlugin = await import('@graphql-codegen/typescript');
    resolversPlugin = await import('@graphql-codegen/typescript-resolvers');
  } catch {
    console.log('GraphQL code generator not installed (production install): resolver types skipped.');
    return;
  }
  const schema = buildSchema(readFileSync(join(root, 'schema.graphql'), 'utf8'));
  const outFile = join(root, 'src/generated/graphql.ts');
  const output = await codegen({
    filename: outFile,
    schema: parse(printSchema(schema)),
    documents: [],
    plugins: [{ typescript: {} }, { typescriptResolvers: {} }],
    pluginMap: { typescript: typescriptPlugin, typescriptResolvers: resolversPlugin },
    config: {
      useTypeImports: true,
      contextType: '../graphql/context.ts#GraphQLContext',
      mappers: JSON.parse(readFileSync(join(root, 'src/graphql/mappers.json'), 'utf8')) as Record<string, string>,
      scalars: {
        DateTime: { input: 'Date', output: 'Date | string' },
        BigInt: { input: 'bigint', output: 'bigint | number | string' },
        Decimal: { input: 'string', output: 'string' },
        IPAddress: { input: 'string', output: 'string' },
      },
      enumsAsTypes: true,
      strictScalars: true,
      useIndexSignature: false,
      optionalResolveType: false,
      resolversNonOptionalTypename: { unionMember: true, interfaceImplementingType: true },
    },
  });
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `/* Generated from schema.graphql by scripts/generate.ts. Do not edit. */\n${output}`);
}

generatePrismaClient();
await generateResolverTypes();
