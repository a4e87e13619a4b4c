// Where an address is, as places on a path: country, then region, then city, as far as the geo
// database knows. Two record shapes are read: ip-location-db's (`country_code`, and `city` in its
// city files) and MaxMind's GeoLite2/GeoIP2 Country and City (`country`, `subdivisions`, `city`).
//
// Place keys are one scheme for every source, so that the same place learned twice (from the
// geo database and from a router's hostname, see place-hints.ts) is one component on the path:
//   country:<ISO 3166-1 alpha-2>            country:DE
//   region:<ISO 3166-2>                     region:DE-BE
//   city:<country>/<slug of English name>   city:DE/frankfurt-am-main
// Cities are keyed by name rather than GeoNames id because the hostname table and ip-location-db
// have no ids; the slug (lower case, accents dropped, punctuation to "-") makes "São Paulo" and
// "Sao Paulo" one city. Two towns of the same name in one country share a key.
import type { CityResponse } from 'maxmind';
import type { PathComponent } from './model.ts';
import { parseAddress } from './address.ts';
import { isSpecial } from './special-addresses.ts';

/** A record of ip-location-db's MMDB files: the country files have only `country_code`. */
export interface IpLocationRecord {
  readonly country_code: string;
  readonly city?: string;
}

/** A record from either kind of geo database. */
export type GeoRecord = IpLocationRecord | CityResponse;

export type PlaceKind = Extract<PathComponent['kind'], 'COUNTRY' | 'REGION' | 'CITY'>;

/** A place on a path: nobody owns it and it is not in the registry. */
export interface Place extends PathComponent {
  kind: PlaceKind;
  ownerId: null;
  componentId: null;
}

/** What lookupPlaces needs from a database; an IpDatabase<GeoRecord> is one. */
export interface GeoDatabase {
  get(address: string): GeoRecord | null;
}

/**
 * Codes that look like countries but are not: RIR statistics use EU and AP for blocks assigned to
 * a whole region, ZZ means unknown, and AA, QM–QZ, XA–XZ are user-assigned (XK, Kosovo, is the
 * one user-assigned code everybody uses as a country).
 */
function isCountryCode(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code)) return false;
  if (code === 'EU' || code === 'AP' || code === 'UN' || code === 'EZ' || code === 'ZZ' || code === 'AA') return false;
  if (code[0] === 'Q' && code >= 'QM') return false;
  if (code[0] === 'X' && code !== 'XK') return false;
  return true;
}

const displayNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const countryNames = new Map<string, string | null>();

/** The English name of a country code, or null when it names no country. */
export function countryName(code: string): string | null {
  let name = countryNames.get(code);
  if (name === undefined) {
    name = isCountryCode(code) ? (displayNames.of(code) ?? null) : null;
    countryNames.set(code, name);
  }
  return name;
}

export function placeSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

type Learned = PathComponent['learnedBy'];

export function countryPlace(code: string, name: string, learnedBy: Learned): Place {
  return { key: `country:${code}`, kind: 'COUNTRY', name, ownerId: null, componentId: null, learnedBy };
}

/** `subdivision` is the part of the ISO 3166-2 code after the country: "BE" in DE-BE. */
export function regionPlace(countryCode: string, subdivision: string, name: string, learnedBy: Learned): Place {
  return { key: `region:${countryCode}-${subdivision}`, kind: 'REGION', name, ownerId: null, componentId: null, learnedBy };
}

export function cityPlace(countryCode: string, name: string, learnedBy: Learned): Place | null {
  const slug = placeSlug(name);
  if (slug === '') return null;
  return { key: `city:${countryCode}/${slug}`, kind: 'CITY', name, ownerId: null, componentId: null, learnedBy };
}

interface Names {
  readonly en?: string;
}

/** English when the record has it, else any language it has. */
function nameOf(names: Names | undefined): string | undefined {
  if (!names) return undefined;
  if (names.en) return names.en;
  for (const value of Object.values(names)) if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

/**
 * The places a record names, coarse to fine. A record without a country gives nothing, since
 * region and city keys need one; a MaxMind record's `registered_country` is not used, because it
 * says where the block was registered, not where the address is.
 */
export function placesFromRecord(record: GeoRecord | null, learnedBy: Learned = 'INFERRED_FROM_ADDRESS'): Place[] {
  if (record === null) return [];
  if ('country_code' in record) {
    if (typeof record.country_code !== 'string') return [];
    const code = record.country_code.toUpperCase();
    const name = countryName(code);
    if (name === null) return [];
    const places = [countryPlace(code, name, learnedBy)];
    const city = record.city ? cityPlace(code, record.city, learnedBy) : null;
    if (city) places.push(city);
    return places;
  }

  const code = record.country?.iso_code?.toUpperCase();
  if (code === undefined || !isCountryCode(code)) return [];
  const name = nameOf(record.country?.names) ?? countryName(code);
  if (name === null) return [];
  const places = [countryPlace(code, name, learnedBy)];

  // GeoIP2 lists subdivisions largest first (England before Greater London); the first is the region.
  const subdivision = record.subdivisions?.[0];
  if (subdivision?.iso_code) places.push(regionPlace(code, subdivision.iso_code.toUpperCase(), nameOf(subdivision.names) ?? subdivision.iso_code, learnedBy));

  const cityName = nameOf(record.city?.names);
  const city = cityName ? cityPlace(code, cityName, learnedBy) : null;
  if (city) places.push(city);
  return places;
}

/**
 * The places of a public address. Special addresses (private, loopback, documentation… see
 * special-addresses.ts) and strings that are not addresses give none: a database answer for
 * them would place somebody who is not there.
 */
export function lookupPlaces(db: GeoDatabase, address: string): Place[] {
  const parsed = parseAddress(address);
  return parsed === null || isSpecial(parsed) ? [] : placesFromRecord(db.get(parsed.text));
}
