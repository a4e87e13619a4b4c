// The IP databases as the server opens them, on the real data: the cached ASN file (built by the
// test run's global setup, or here on first use, as in benches) and the packaged geo file. No
// reloading, so a test file leaves no timers behind.
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { openIpData, type IpData } from '../../src/path/ip-data.ts';
import { cachedAsnDatabase } from './asn-cache.ts';

export async function openTestIpData(): Promise<IpData> {
  const config = loadConfig({ PATHLEDGER_ASN_DB: await cachedAsnDatabase(), PATHLEDGER_IPDB_RELOAD_MS: '0', LOG_LEVEL: 'silent' });
  return openIpData(config.ipData, createLogger(config));
}
