// The IP databases as the server opens them, on the real data: the ASN file the global setup
// built and the packaged geo file. No reloading, so a test file leaves no timers behind.
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { openIpData, type IpData } from '../../src/path/ip-data.ts';

export function openTestIpData(): Promise<IpData> {
  const config = loadConfig({ PATHLEDGER_ASN_DB: inject('asnDatabase'), PATHLEDGER_IPDB_RELOAD_MS: '0', LOG_LEVEL: 'silent' });
  return openIpData(config.ipData, createLogger(config));
}
