// Database constraint failures that the caller caused, as input errors. Services still check
// what they can up front; these catch the races (two creates of one slug) and the references
// that block a delete.
import { Prisma } from '../generated/prisma/client.ts';
import { InputError } from '../domain/input-error.ts';
import type { FieldPath } from '../domain/validate.ts';

export interface ConstraintFields {
  /** Where a unique-constraint violation is reported, and what to say. */
  unique?: { field: FieldPath; message: string };
  /** Where a foreign-key violation (a delete of something still referenced) is reported. */
  inUse?: { field: FieldPath; message: string };
}

// Adapters report a violation either by its SQLSTATE or by the kind they mapped it to.
const STATE_OF_KIND: Record<string, string> = {
  UniqueConstraintViolation: '23505',
  ForeignKeyConstraintViolation: '23503',
  RestrictViolation: '23001',
};

/** The SQLSTATE behind a Prisma error, as the driver adapter passed it on. */
function sqlState(error: Prisma.PrismaClientKnownRequestError): string | undefined {
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: string; kind?: string } } | undefined)?.cause;
  return cause?.originalCode ?? STATE_OF_KIND[cause?.kind ?? ''];
}

function isUniqueViolation(error: Prisma.PrismaClientKnownRequestError): boolean {
  return error.code === 'P2002' || sqlState(error) === '23505';
}

/**
 * A row still referenced. PostgreSQL reports ON DELETE RESTRICT as 23001, which adapter-pg maps
 * but PGlite's adapter passes on raw, so the SQLSTATE is checked as well as Prisma's code.
 */
function isReferenceViolation(error: Prisma.PrismaClientKnownRequestError): boolean {
  const state = sqlState(error);
  return error.code === 'P2003' || state === '23503' || state === '23001';
}

export async function withConstraints<T>(fields: ConstraintFields, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError) {
      if (fields.unique && isUniqueViolation(error)) throw new InputError(fields.unique.field, fields.unique.message, 'TAKEN');
      if (fields.inUse && isReferenceViolation(error)) throw new InputError(fields.inUse.field, fields.inUse.message, 'IN_USE');
    }
    throw error;
  }
}
