// Geo database records to places, for ip-location-db's country file (the default, read for real
// here) and for GeoLite2/GeoIP2 City records; special addresses are never looked up.
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { CityResponse } from 'maxmind';
import { cityPlace, countryName, lookupPlaces, placesFromRecord, placeSlug, type GeoDatabase, type GeoRecord } from '../../src/path/geography.ts';
import { openIpDatabase } from '../../src/path/ip-database.ts';

const GEO_FILE = fileURLToPath(import.meta.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb'));
const keys = (places: { key: string }[]) => places.map((p) => p.key);

const berlin: CityResponse = {
  city: { geoname_id: 2950159, names: { en: 'Berlin', de: 'Berlin' } },
  country: { geoname_id: 2921044, iso_code: 'DE', names: { en: 'Germany', de: 'Deutschland' } },
  subdivisions: [{ geoname_id: 2950157, iso_code: 'BE', names: { en: 'Land Berlin', de: 'Berlin' } }],
  registered_country: { geoname_id: 2921044, iso_code: 'DE', names: { en: 'Germany' } },
};

describe('placesFromRecord', () => {
  it('reads an ip-location-db country record: the country, named in English', () => {
    expect(placesFromRecord({ country_code: 'DE' })).toEqual([
      { key: 'country:DE', kind: 'COUNTRY', name: 'Germany', ownerId: null, componentId: null, learnedBy: 'INFERRED_FROM_ADDRESS' },
    ]);
    expect(placesFromRecord({ country_code: 'gb' })[0]).toMatchObject({ key: 'country:GB', name: 'United Kingdom' });
  });

  it('reads the city of an ip-location-db city record', () => {
    expect(keys(placesFromRecord({ country_code: 'BR', city: 'São Paulo' }))).toEqual(['country:BR', 'city:BR/sao-paulo']);
  });

  it('reads a GeoIP2 City record coarse to fine: country, first subdivision, city', () => {
    const places = placesFromRecord(berlin);
    expect(keys(places)).toEqual(['country:DE', 'region:DE-BE', 'city:DE/berlin']);
    expect(places.map((p) => [p.kind, p.name])).toEqual([['COUNTRY', 'Germany'], ['REGION', 'Land Berlin'], ['CITY', 'Berlin']]);
    expect(places.every((p) => p.ownerId === null && p.componentId === null && p.learnedBy === 'INFERRED_FROM_ADDRESS')).toBe(true);
  });

  it('takes the largest subdivision as the region (England, not Greater London)', () => {
    const london: CityResponse = {
      country: { geoname_id: 2635167, iso_code: 'GB', names: { en: 'United Kingdom' } },
      subdivisions: [
        { geoname_id: 6269131, iso_code: 'ENG', names: { en: 'England' } },
        { geoname_id: 2648110, iso_code: 'LND', names: { en: 'Greater London' } },
      ],
      city: { geoname_id: 2643743, names: { en: 'London' } },
    };
    expect(keys(placesFromRecord(london))).toEqual(['country:GB', 'region:GB-ENG', 'city:GB/london']);
  });

  it('reads a GeoLite2-Country record, and a City record that knows only the country', () => {
    expect(keys(placesFromRecord({ country: { geoname_id: 3017382, iso_code: 'FR', names: { en: 'France' } } }))).toEqual(['country:FR']);
    expect(keys(placesFromRecord({ country: berlin.country!, city: berlin.city! }))).toEqual(['country:DE', 'city:DE/berlin']);
  });

  it('names a country from Intl when the record has no English name, and a city in another language when English is missing', () => {
    const record = { country: { iso_code: 'JP', names: {} }, city: { geoname_id: 1850147, names: { ja: '東京' } } } as unknown as CityResponse;
    const places = placesFromRecord(record);
    expect(places.map((p) => [p.key, p.name])).toEqual([['country:JP', 'Japan'], ['city:JP/東京', '東京']]);
  });

  it('gives nothing for no record, a record without a country, or a code that is no country', () => {
    expect(placesFromRecord(null)).toEqual([]);
    expect(placesFromRecord({ registered_country: { geoname_id: 6252001, iso_code: 'US', names: { en: 'United States' } } })).toEqual([]);
    for (const code of ['EU', 'AP', 'ZZ', 'XX', 'QZ', 'A1', '', 'DEU']) expect(placesFromRecord({ country_code: code }), code).toEqual([]);
    expect(placesFromRecord({ country_code: 'XK' })[0]?.name).toBe('Kosovo');
  });

  it('keys a city the same from any spelling of accents and case', () => {
    expect(placeSlug('Frankfurt am Main')).toBe('frankfurt-am-main');
    expect(placeSlug('Düsseldorf')).toBe('dusseldorf');
    expect(cityPlace('BR', 'SÃO PAULO', 'INFERRED_FROM_ADDRESS')?.key).toBe(cityPlace('BR', 'Sao Paulo', 'TRACEROUTE')?.key);
    expect(cityPlace('US', ' -- ', 'INFERRED_FROM_ADDRESS')).toBeNull();
  });

  it('names countries in English', () => {
    expect(['DE', 'US', 'FR', 'CZ'].map(countryName)).toEqual(['Germany', 'United States', 'France', 'Czechia']);
    expect(countryName('ZZ')).toBeNull();
  });
});

describe('lookupPlaces', () => {
  it('places public addresses through the real ip-location-db country file', async () => {
    const db = await openIpDatabase<GeoRecord>(GEO_FILE);
    expect(keys(lookupPlaces(db, '8.8.8.8'))).toEqual(['country:US']);
    expect(keys(lookupPlaces(db, '81.2.69.160'))).toEqual(['country:GB']);
    expect(keys(lookupPlaces(db, '2a00:1450:4001::1'))).toEqual(['country:IE']);
    expect(keys(lookupPlaces(db, '::ffff:8.8.8.8'))).toEqual(['country:US']);
    db.close();
  });

  it('never looks up special addresses or strings that are not addresses', () => {
    const get = vi.fn((): GeoRecord => berlin);
    const db: GeoDatabase = { get };
    for (const address of ['10.0.0.1', '192.168.1.1', '100.64.1.1', '127.0.0.1', '169.254.1.1', '192.0.2.1', '198.51.100.1', '203.0.113.1', '::1', 'fe80::1', 'fd00::1', '2001:db8::1', 'ff02::1', '224.0.0.1', '0.0.0.0', '::', '::ffff:10.0.0.1', 'not an address', '127.1']) {
      expect(lookupPlaces(db, address), address).toEqual([]);
    }
    expect(get).not.toHaveBeenCalled();
    expect(keys(lookupPlaces(db, '85.214.132.117'))).toEqual(['country:DE', 'region:DE-BE', 'city:DE/berlin']);
    expect(get).toHaveBeenCalledWith('85.214.132.117');
  });
});
