// Router hostnames to places: IATA and CLLI codes in labels, and the names that must give nothing.
import { describe, expect, it } from 'vitest';
import { placesFromRecord } from '../../src/path/geography.ts';
import { PLACE_HINT_CODES, placeHint, placesFromHostname } from '../../src/path/place-hints.ts';

const cityOf = (hostname: string) => {
  const hint = placeHint(hostname);
  return hint ? `${hint.countryCode}/${hint.city}` : null;
};

describe('placeHint', () => {
  it('reads a code that is a whole label', () => {
    expect(placeHint('ae1.cr1.fra.sp1.example')).toEqual({ code: 'fra', label: 'fra', city: 'Frankfurt am Main', countryCode: 'DE' });
    expect(cityOf('r1.ams.example.net')).toBe('NL/Amsterdam');
  });

  it("reads a label's leading letters followed by digits, '-' or '_'", () => {
    expect(placeHint('xe-0-0-0.sjc01.example.net')).toMatchObject({ code: 'sjc', label: 'sjc01', city: 'San Jose' });
    expect(cityOf('be2845.ccr41.lon13.atlas.example.com')).toBe('GB/London');
    expect(cityOf('et-1.fra-1.example.net')).toBe('DE/Frankfurt am Main');
    expect(cityOf('ams-ix.example.net')).toBe('NL/Amsterdam');
    expect(cityOf('gw.par_2.example.org')).toBe('FR/Paris');
  });

  it('reads a single-label name, which has no domain', () => {
    expect(cityOf('nyc-core-1')).toBe('US/New York');
    expect(cityOf('lon2')).toBe('GB/London');
    expect(cityOf('chcgil')).toBe('US/Chicago');
  });

  it('reads CLLI city codes, alone, with digits or with a building code', () => {
    expect(placeHint('ae0.chcgil.example.net')).toMatchObject({ code: 'chcgil', city: 'Chicago', countryCode: 'US' });
    expect(placeHint('core1.asbnva02.example.net')).toMatchObject({ code: 'asbnva', city: 'Ashburn' });
    expect(placeHint('edge.dllstxcw.example.net')).toMatchObject({ code: 'dllstx', label: 'dllstxcw', city: 'Dallas' });
    expect(cityOf('snjsca-r1.example.net')).toBe('US/San Jose');
    expect(cityOf('nycmny83.example.net')).toBe('US/New York');
  });

  it('maps airport codes to their metro', () => {
    for (const code of ['nyc', 'jfk', 'ewr', 'lga']) expect(cityOf(`${code}1.example.net`), code).toBe('US/New York');
    for (const code of ['iad', 'was']) expect(cityOf(`${code}1.example.net`), code).toBe('US/Washington');
    for (const code of ['lon', 'lhr']) expect(cityOf(`${code}1.example.net`), code).toBe('GB/London');
    expect(cityOf('r1.gru2.example.net')).toBe('BR/São Paulo');
    expect(PLACE_HINT_CODES).toBeGreaterThanOrEqual(60);
  });

  it('ignores case and a trailing dot', () => {
    expect(cityOf('XE-0-0-0.SJC01.EXAMPLE.NET.')).toBe('US/San Jose');
    expect(cityOf('Core1.Fra.Example.Com')).toBe('DE/Frankfurt am Main');
  });

  it('takes the leftmost match: the label nearest the device names its site', () => {
    expect(placeHint('ae1.fra.ams.example.net')).toMatchObject({ code: 'fra' });
    expect(placeHint('r1.sjc01.lax.example.net')).toMatchObject({ code: 'sjc' });
    expect(placeHint('core1.example.lon2.example.net')).toMatchObject({ code: 'lon' });
  });

  it('never reads the domain', () => {
    expect(placeHint('core1.fra.net')).toBeNull();
    expect(placeHint('router.sea.example')).toBeNull();
    expect(placeHint('router.sea.sp1.example')).toMatchObject({ code: 'sea' });
    expect(placeHint('lon2.example')).toBeNull();
    expect(placeHint('r1.ams.co.uk')).toBeNull();
    expect(placeHint('r1.lon.example.co.uk')).toMatchObject({ code: 'lon' });
    expect(placeHint('r1.syd.example.com.au')).toMatchObject({ code: 'syd' });
  });

  it('gives nothing for names without a known code', () => {
    for (const name of [
      'core1.example.com',
      'ae1.cr1.xyz.example.net',
      'parking.example.net', // letters run on: not par
      'frankfurt1.example.net', // a city's name, not a code
      'seattle-ix.example.net',
      'fraud-1.example.net',
      'r1-fra.example.net', // a code not at the label's start
      '100ge1-1.core1.example.net',
      'chcgilxyz.example.net', // nine letters: not a CLLI code with a building code
      'localhost',
      '',
      '.',
    ]) {
      expect(placeHint(name), name).toBeNull();
    }
  });

  it('gives nothing for addresses', () => {
    expect(placeHint('192.0.2.1')).toBeNull();
    expect(placeHint('2001:db8::1')).toBeNull();
  });
});

describe('placesFromHostname', () => {
  it('gives the country then the city, learned from traceroute', () => {
    expect(placesFromHostname('ae1.cr1.fra.sp1.example')).toEqual([
      { key: 'country:DE', kind: 'COUNTRY', name: 'Germany', ownerId: null, componentId: null, learnedBy: 'TRACEROUTE' },
      { key: 'city:DE/frankfurt-am-main', kind: 'CITY', name: 'Frankfurt am Main', ownerId: null, componentId: null, learnedBy: 'TRACEROUTE' },
    ]);
    expect(placesFromHostname('core1.example.com')).toEqual([]);
    expect(placesFromHostname('lon2', 'ISP_PROVIDED').map((p) => p.learnedBy)).toEqual(['ISP_PROVIDED', 'ISP_PROVIDED']);
  });

  it('keys a city as a GeoIP2 City record of the same city does, so the two are one component', () => {
    const frankfurt = placesFromRecord({
      country: { geoname_id: 2921044, iso_code: 'DE', names: { en: 'Germany' } },
      subdivisions: [{ geoname_id: 2905330, iso_code: 'HE', names: { en: 'Hesse' } }],
      city: { geoname_id: 2925533, names: { en: 'Frankfurt am Main' } },
    });
    const hinted = placesFromHostname('xe-1.fra03.example.net');
    expect(hinted.map((p) => p.key)).toEqual(frankfurt.filter((p) => p.kind !== 'REGION').map((p) => p.key));
    const saoPaulo = placesFromRecord({ country_code: 'BR', city: 'Sao Paulo' });
    expect(placesFromHostname('r1.gru.example.net').map((p) => p.key)).toEqual(saoPaulo.map((p) => p.key));
  });
});
