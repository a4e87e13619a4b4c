// `pathledger keys create|list|revoke`: API keys for operators, without the GraphQL API (which
// itself needs a key: this is how the first one is made on a server without the demo world).
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { ApiKeyRole } from '../../generated/prisma/enums.ts';
import { ApiKeyInputError, createApiKey, listApiKeys, revokeApiKey } from '../../auth/api-keys.ts';
import {
  EXIT_FAILURE,
  EXIT_OK,
  UsageError,
  formatTable,
  formatTime,
  parse,
  withPrisma,
  type CliIO,
  type Command,
} from '../support.ts';

const ROLES = Object.values(ApiKeyRole);

const help = `Usage:
  pathledger keys create --role <role> --name <name> [--org <slug>]
  pathledger keys list [--all]
  pathledger keys revoke <id-or-prefix>

Manage the API keys that authenticate GraphQL requests (Authorization: Bearer <key>).

  create   Make a key and print it. It is shown this once: only its hash is stored.
           The key is the only thing written to standard output, so
           "pathledger keys create … > key.txt" captures it.
           --role   ${ROLES.join(', ')}
           --name   what the key is for, e.g. "ops" or "sp1 portal"
           --org    the organization's slug; required for PARTNER, AGENT and VIEWER,
                    refused for ADMIN and CONTRACT_MANAGER, which see every organization
  list     Show the keys that are in force; --all includes revoked ones.
  revoke   Revoke a key by its id or its prefix (as "keys list" shows them). Revoking a
           revoked key changes nothing.`;

export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, list and revoke API keys',
  help,
  async run(args, context) {
    const [action, ...rest] = args;
    switch (action) {
      case 'create': {
        const { values } = parse(rest, { role: { type: 'string' }, name: { type: 'string' }, org: { type: 'string' } });
        if (values.role === undefined) throw new UsageError('keys create needs --role');
        if (values.name === undefined) throw new UsageError('keys create needs --name');
        const options = { role: roleFrom(values.role), name: values.name, org: values.org };
        return withPrisma(context.loadConfig(), context.io, (prisma) => createKey(prisma, options, context.io));
      }
      case 'list': {
        const { values } = parse(rest, { all: { type: 'boolean' } });
        return withPrisma(context.loadConfig(), context.io, (prisma) => listKeys(prisma, { all: values.all ?? false }, context.io));
      }
      case 'revoke': {
        const { positionals } = parse(rest, {}, true);
        const [idOrPrefix, extra] = positionals;
        if (idOrPrefix === undefined) throw new UsageError('keys revoke needs the id or prefix of a key');
        if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
        return withPrisma(context.loadConfig(), context.io, (prisma) => revokeKey(prisma, idOrPrefix, context.io));
      }
      case undefined:
        throw new UsageError('keys needs an action: create, list or revoke');
      case '--help':
      case '-h':
      case 'help':
        return showHelp(context.io);
      default:
        throw new UsageError(`unknown keys action "${action}"`);
    }
  },
};

function showHelp(io: CliIO): number {
  io.out(help);
  return EXIT_OK;
}

/** Accepts the role as GraphQL spells it, or in lower case with hyphens ("contract-manager"). */
export function roleFrom(text: string): ApiKeyRole {
  const normalized = text.trim().toUpperCase().replaceAll('-', '_');
  const role = ROLES.find((candidate) => candidate === normalized);
  if (role === undefined) throw new UsageError(`--role must be one of ${ROLES.join(', ')}; got "${text}"`);
  return role;
}

/** Where each field of an ApiKeyInputError came from on the command line. */
const FLAGS: Record<string, string> = { name: '--name', role: '--role', organization: '--org', id: 'the key' };

function flagOf(error: ApiKeyInputError): string {
  const field = error.field[error.field.length - 1] ?? '';
  return FLAGS[field] ?? field;
}

export interface CreateKeyOptions {
  role: ApiKeyRole;
  name: string;
  org?: string | undefined;
}

export async function createKey(prisma: PrismaClient, options: CreateKeyOptions, io: CliIO): Promise<number> {
  let created;
  try {
    created = await createApiKey(prisma, { name: options.name, role: options.role, organizationSlug: options.org });
  } catch (error) {
    if (!(error instanceof ApiKeyInputError)) throw error;
    io.err(`pathledger keys create: ${flagOf(error)}: ${error.message}`);
    return EXIT_FAILURE;
  }
  const { key, apiKey } = created;
  const scope = options.org ? ` for ${options.org}` : '';
  io.err(`Created ${apiKey.role} key "${apiKey.name}"${scope} (id ${apiKey.id}, prefix ${apiKey.prefix}).`);
  io.out(key);
  io.err('Copy the key now: it will not be shown again. Only its hash is stored.');
  return EXIT_OK;
}

export async function listKeys(prisma: PrismaClient, options: { all: boolean }, io: CliIO): Promise<number> {
  const keys = await listApiKeys(prisma, { includeRevoked: options.all });
  if (keys.length === 0) {
    io.out(options.all ? 'No API keys.' : 'No API keys in force (--all shows revoked ones too).');
    return EXIT_OK;
  }
  const rows = keys.map((key) => [
    key.id,
    key.prefix,
    key.name,
    key.role,
    key.organization?.slug ?? '-',
    formatTime(key.createdAt),
    formatTime(key.lastUsedAt, 'never'),
    formatTime(key.revokedAt),
  ]);
  for (const line of formatTable(['ID', 'PREFIX', 'NAME', 'ROLE', 'ORG', 'CREATED', 'LAST USED', 'REVOKED'], rows)) io.out(line);
  return EXIT_OK;
}

export async function revokeKey(prisma: PrismaClient, idOrPrefix: string, io: CliIO): Promise<number> {
  const before = new Date();
  let key;
  try {
    key = await revokeApiKey(prisma, idOrPrefix);
  } catch (error) {
    if (!(error instanceof ApiKeyInputError)) throw error;
    io.err(`pathledger keys revoke: ${error.message}`);
    return EXIT_FAILURE;
  }
  const revokedAt = key.revokedAt ?? before;
  const already = revokedAt < before;
  io.out(`${already ? 'Already revoked' : 'Revoked'} ${key.role} key "${key.name}" (prefix ${key.prefix}) at ${formatTime(revokedAt)}.`);
  return EXIT_OK;
}

