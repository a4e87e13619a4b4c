// Once per test run: the real IP-to-AS database (see asn-cache.ts), shared by every test file
// through `inject('asnDatabase')`.
import type { TestProject } from 'vitest/node';
import { cachedAsnDatabase } from './asn-cache.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The real ASN database built from the packaged CSVs. */
    asnDatabase: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('asnDatabase', await cachedAsnDatabase());
}
