// What the reloadable holder costs over a bare maxmind Reader: lookups per second on the same
// random public addresses in ip-location-db's country file, side by side in one run, rounds
// interleaved so that both see the same machine. Also the rate of lookupPlaces (the special-
// address check, the lookup, and the places), which is what the path service calls per endpoint.
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import maxmind, { type CountryResponse } from 'maxmind';
import { lookupPlaces, type GeoRecord } from '../src/path/geography.ts';
import { openIpDatabase } from '../src/path/ip-database.ts';
import { publicAddresses } from './support/addresses.ts';

const GEO_FILE = fileURLToPath(import.meta.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb'));
const ADDRESSES = 50_000;
const ROUNDS = 15;

function rate(addresses: readonly string[], lookup: (address: string) => unknown): number {
  let found = 0;
  const start = performance.now();
  for (const address of addresses) if (lookup(address) !== null) found++;
  const seconds = (performance.now() - start) / 1000;
  if (found === 0) throw new Error('no address was found: the figures would measure nothing');
  return addresses.length / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export async function run(): Promise<void> {
  const addresses = publicAddresses(ADDRESSES, 42);
  const bare = await maxmind.open<CountryResponse>(GEO_FILE);
  const holder = await openIpDatabase<GeoRecord>(GEO_FILE);
  try {
    const contenders = {
      bare: (address: string) => bare.get(address),
      holder: (address: string) => holder.get(address),
      places: (address: string) => lookupPlaces(holder, address),
    };
    const rates: Record<keyof typeof contenders, number[]> = { bare: [], holder: [], places: [] };
    for (let round = 0; round < ROUNDS + 2; round++) {
      for (const [name, lookup] of Object.entries(contenders) as [keyof typeof contenders, (address: string) => unknown][]) {
        const measured = rate(addresses, lookup);
        if (round >= 2) rates[name].push(measured); // two rounds to warm up
      }
    }
    const line = (figure: string, value: number, unit: string, extra: Record<string, unknown> = {}) =>
      console.log(JSON.stringify({ bench: 'geo-lookup', figure, value: Number(value.toFixed(3)), unit, ...extra }));
    const bareRate = median(rates.bare);
    const holderRate = median(rates.holder);
    const placesRate = median(rates.places);
    line('bare_reader_get', bareRate, 'lookups/s', { baseline: 'maxmind.open(file).get, default LRU cache', addresses: ADDRESSES, rounds: ROUNDS });
    line('holder_get', holderRate, 'lookups/s');
    line('holder_over_bare', holderRate / bareRate, 'ratio');
    line('lookup_places', placesRate, 'lookups/s', { includes: 'special-address check, holder get, places' });
    line('lookup_places_over_bare', placesRate / bareRate, 'ratio');
  } finally {
    holder.close();
  }
}
