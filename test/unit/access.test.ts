import { describe, expect, it } from 'vitest';
import { Access, type WritableRecord } from '../../src/auth/access.ts';
import type { Principal } from '../../src/auth/principal.ts';
import { InputError } from '../../src/domain/input-error.ts';
import type { ApiKeyRole } from '../../src/generated/prisma/enums.ts';

const SP1 = '019a0000-0000-7000-8000-000000000001';
const SP2 = '019a0000-0000-7000-8000-000000000002';

function access(role: ApiKeyRole, organizationId: string | null = role === 'ADMIN' || role === 'CONTRACT_MANAGER' ? null : SP1) {
  const principal: Principal = { keyId: 'k', keyName: 'test', role, organizationId };
  return new Access(principal);
}

const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'OK';
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code ?? String(error);
  }
};

describe('Access', () => {
  it('asks for a key when there is none', () => {
    expect(codeOf(() => new Access(null).reader())).toBe('UNAUTHENTICATED');
  });

  it('lets every role read except AGENT', () => {
    expect(codeOf(() => access('ADMIN').reader())).toBe('OK');
    expect(codeOf(() => access('CONTRACT_MANAGER').reader())).toBe('OK');
    expect(codeOf(() => access('PARTNER').reader())).toBe('OK');
    expect(codeOf(() => access('VIEWER').reader())).toBe('OK');
    expect(codeOf(() => access('AGENT').reader())).toBe('FORBIDDEN');
  });

  it('narrows what scoped keys see, and only theirs', () => {
    expect(access('ADMIN').reader().client).toBeUndefined();
    expect(access('PARTNER').reader().client).toEqual({ subscriberNetworkId: SP1 });
  });

  it('follows the table of who may change what', () => {
    const table: Record<WritableRecord, ApiKeyRole[]> = {
      Organization: ['ADMIN', 'PARTNER'],
      AutonomousSystem: ['ADMIN', 'PARTNER'],
      AddressPrefix: ['ADMIN', 'PARTNER'],
      NetworkComponent: ['ADMIN', 'PARTNER'],
      Client: ['ADMIN', 'PARTNER'],
      Link: ['ADMIN', 'PARTNER'],
      LinkSet: ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER'],
      Content: ['ADMIN', 'CONTRACT_MANAGER'],
      AccountingObject: ['ADMIN', 'CONTRACT_MANAGER'],
      Contract: ['ADMIN', 'CONTRACT_MANAGER'],
      Invoice: ['ADMIN', 'CONTRACT_MANAGER'],
      AlertRule: ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER'],
      CapacityPolicy: ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER'],
      SavedReport: ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER'],
      ScheduledJob: ['ADMIN', 'CONTRACT_MANAGER'],
      UplinkGrant: ['ADMIN', 'PARTNER'],
      ApiKey: ['ADMIN'],
    };
    const roles: ApiKeyRole[] = ['ADMIN', 'CONTRACT_MANAGER', 'PARTNER', 'AGENT', 'VIEWER'];
    for (const [record, writers] of Object.entries(table) as [WritableRecord, ApiKeyRole[]][]) {
      for (const role of roles) {
        expect([record, role, codeOf(() => access(role).writer(record))]).toEqual([record, role, writers.includes(role) ? 'OK' : 'FORBIDDEN']);
      }
    }
  });

  it("holds a partner to its own organization's records", () => {
    const guard = access('PARTNER').writer('Client');
    expect(() => guard(SP1, ['input', 'subscriberNetwork'])).not.toThrow();
    expect(() => guard(SP2, ['input', 'subscriberNetwork'])).toThrow(InputError);
    expect(() => guard(null, ['input', 'kind'])).toThrow(/only change its own organization/);
    expect(() => access('ADMIN').writer('Client')(SP2, ['input', 'id'])).not.toThrow();
  });
});
