// The IP databases as the server opens them from its settings: the default ASN file built on
// first start, configured files checked before use, and a replaced file swapped in while
// lookups already under way finish on the old one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { asnRecord, writeAtomically } from '../../src/ipdb/build.ts';
import { MmdbWriter } from '../../src/ipdb/writer.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { IpDataError, openIpData, type IpData } from '../../src/path/ip-data.ts';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'pathledger-ip-data-'));
});
afterAll(() => rm(folder, { recursive: true, force: true }));

/** A logger whose lines the test can read. */
function recordingLogger() {
  const lines: string[] = [];
  const config = loadConfig({ LOG_LEVEL: 'info' });
  const logger = createLogger(config, { write: (line: string) => void lines.push(line) });
  return { logger, messages: () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg) };
}

/** A one-network ASN file: `network` announced by `asn`. */
async function writeAsnFile(file: string, network: string, asn: number, name: string): Promise<void> {
  const writer = new MmdbWriter({ databaseType: 'PathLedger-ASN', description: { en: 'test' }, ipVersion: 6 });
  writer.insertNetwork(network, asnRecord(asn, name));
  await writeAtomically(file, writer.toBuffer());
}

const settings = (env: NodeJS.ProcessEnv) => loadConfig({ PATHLEDGER_IPDB_RELOAD_MS: '0', ...env }).ipData;

describe('openIpData', () => {
  it('builds the default ASN database in the data folder when it is missing, and says so', async () => {
    const dataDir = join(folder, 'first-start');
    const { logger, messages } = recordingLogger();
    const ipData = await openIpData(settings({ PATHLEDGER_DATA_DIR: dataDir }), logger);
    try {
      expect(messages().some((message) => message.startsWith(`no IP-to-AS database at ${join(dataDir, 'asn.mmdb')}: building it`))).toBe(true);
      expect(messages().some((message) => message.startsWith('built the IP-to-AS database'))).toBe(true);
      expect(ipData.addresses().asn('79.214.61.102')).toEqual({ number: 3320, name: 'Deutsche Telekom AG' });
      expect(ipData.describe().asn).toMatchObject({ path: join(dataDir, 'asn.mmdb'), databaseType: 'PathLedger-ASN', generation: 1 });
    } finally {
      ipData.close();
    }
  }, 120_000);

  it('reads the configured files, and places from the packaged geo database', async () => {
    const ipData = await openIpData(settings({ PATHLEDGER_ASN_DB: inject('asnDatabase') }), recordingLogger().logger);
    try {
      const lookups = ipData.addresses();
      expect(lookups.asn('2003:e5:1f04:8a00::102')).toEqual({ number: 3320, name: 'Deutsche Telekom AG' });
      expect(lookups.asn('::ffff:73.162.40.110')).toMatchObject({ number: 7922 });
      expect(lookups.places('90.12.77.106').map((place) => place.key)).toEqual(['country:FR']);
    } finally {
      ipData.close();
    }
  });

  it('refuses a configured file that is missing or of the wrong kind, saying which and what to do', async () => {
    const missing = join(folder, 'nowhere.mmdb');
    const failure = await openIpData(settings({ PATHLEDGER_ASN_DB: missing }), recordingLogger().logger).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(IpDataError);
    expect((failure as Error).message).toBe(`PATHLEDGER_ASN_DB=${missing} does not exist: build one with "pathledger ipdb build --out ${missing}", or unset it to use the data folder's`);

    // The geo file where the ASN file belongs.
    const geoAsAsn = settings({ PATHLEDGER_ASN_DB: loadConfig({}).ipData.geo.path });
    await expect(openIpData(geoAsAsn, recordingLogger().logger)).rejects.toThrow(/without autonomous_system_number; expected one like GeoLite2-ASN/);
    const asnAsGeo = settings({ PATHLEDGER_ASN_DB: inject('asnDatabase'), PATHLEDGER_GEO_DB: inject('asnDatabase') });
    await expect(openIpData(asnAsGeo, recordingLogger().logger)).rejects.toThrow(/without countries; expected one like GeoLite2-Country or -City/);
  });

  it('swaps to a replaced file without a restart; lookups taken before finish on the old one', async () => {
    const file = join(folder, 'reloading-asn.mmdb');
    await writeAsnFile(file, '192.0.2.0/24', 64500, 'Old Networks');
    const { logger, messages } = recordingLogger();
    let ipData: IpData | undefined;
    try {
      ipData = await openIpData(settings({ PATHLEDGER_ASN_DB: file, PATHLEDGER_IPDB_RELOAD_MS: '20' }), logger);
      const before = ipData.addresses();
      expect(before.asn('192.0.2.7')).toEqual({ number: 64500, name: 'Old Networks' });

      await writeAsnFile(file, '192.0.2.0/24', 64501, 'New Networks');
      const deadline = Date.now() + 10_000;
      while (ipData.addresses().asn('192.0.2.7')?.number !== 64501 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));

      expect(ipData.addresses().asn('192.0.2.7')).toEqual({ number: 64501, name: 'New Networks' });
      expect(ipData.describe().asn.generation).toBe(2);
      expect(before.asn('192.0.2.7')).toEqual({ number: 64500, name: 'Old Networks' });
      expect(messages()).toContain(`reloaded ${file}: the replaced file is in use`);
    } finally {
      ipData?.close();
    }
  });
});
