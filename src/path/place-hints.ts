// Places that router hostnames give away. Carriers name routers after their sites, with IATA
// airport or metro codes (ae1.cr1.fra.sp1.example, be2845.ccr41.lon13.atlas.example.com,
// nyc-core-1) or Telcordia CLLI city codes (chcgil, asbnva); a traceroute hop's name then says
// where the router stands. Only codes in the shipped table count, so an unknown code says nothing.
//
// Rules, each against a known false positive:
// - Case does not matter; a trailing dot (a fully qualified name) is ignored.
// - The domain is never read: the last two labels, or three when the name ends in a country code
//   under a generic second level (example.co.uk, example.com.au). "fra.net" or "sea.example" is
//   somebody's domain, not a site.
// - A label counts when it is a code ("fra"), or when its leading letters are a code and a digit,
//   "-" or "_" follows them ("sjc01", "fra-1", "nyc-core-1", "lon2"). Letters running on make
//   another word: "parking", "frankfurt", "seattle-ix" are not read as par, fra, sea.
// - A CLLI city code may also carry its two-letter building code ("chcgilcw").
// - The leftmost match wins. Names go from the device outwards: the label next to the device
//   names its site; labels further right name wider groupings (a region, the backbone).
// - Addresses ("192.0.2.1", "2001:db8::1") are not names and give nothing.
// Codes are metros: jfk, ewr and lga are all New York, iad and was are Washington. A CLLI code
// is one city (asbnva is Ashburn), so it may be finer than the IATA code of the same site.
import { isIP } from 'node:net';
import { cityPlace, countryName, countryPlace, type Place } from './geography.ts';
import type { PathComponent } from './model.ts';

export interface PlaceHint {
  /** The code as found, lower case: "fra", "chcgil". */
  code: string;
  /** The label it was found in. */
  label: string;
  /** The city's English name as GeoNames and MaxMind spell it, so that keys meet. */
  city: string;
  countryCode: string;
}

type Site = readonly [city: string, countryCode: string];

const FRANKFURT: Site = ['Frankfurt am Main', 'DE'];
const LONDON: Site = ['London', 'GB'];
const PARIS: Site = ['Paris', 'FR'];
const MILAN: Site = ['Milan', 'IT'];
const STOCKHOLM: Site = ['Stockholm', 'SE'];
const NEW_YORK: Site = ['New York', 'US'];
const WASHINGTON: Site = ['Washington', 'US'];
const CHICAGO: Site = ['Chicago', 'US'];
const DALLAS: Site = ['Dallas', 'US'];
const LOS_ANGELES: Site = ['Los Angeles', 'US'];
const SAN_JOSE: Site = ['San Jose', 'US'];
const SEATTLE: Site = ['Seattle', 'US'];
const ATLANTA: Site = ['Atlanta', 'US'];
const MIAMI: Site = ['Miami', 'US'];
const TORONTO: Site = ['Toronto', 'CA'];
const TOKYO: Site = ['Tokyo', 'JP'];
const SEOUL: Site = ['Seoul', 'KR'];
const SAO_PAULO: Site = ['São Paulo', 'BR'];

/** IATA airport and metro codes as carriers use them. */
const IATA: ReadonlyMap<string, Site> = new Map<string, Site>([
  ['fra', FRANKFURT],
  ['ams', ['Amsterdam', 'NL']],
  ['lon', LONDON],
  ['lhr', LONDON],
  ['par', PARIS],
  ['cdg', PARIS],
  ['mrs', ['Marseille', 'FR']],
  ['muc', ['Munich', 'DE']],
  ['ber', ['Berlin', 'DE']],
  ['ham', ['Hamburg', 'DE']],
  ['dus', ['Düsseldorf', 'DE']],
  ['vie', ['Vienna', 'AT']],
  ['zrh', ['Zurich', 'CH']],
  ['gva', ['Geneva', 'CH']],
  ['mad', ['Madrid', 'ES']],
  ['bcn', ['Barcelona', 'ES']],
  ['lis', ['Lisbon', 'PT']],
  ['mil', MILAN],
  ['mxp', MILAN],
  ['sto', STOCKHOLM],
  ['arn', STOCKHOLM],
  ['cph', ['Copenhagen', 'DK']],
  ['osl', ['Oslo', 'NO']],
  ['hel', ['Helsinki', 'FI']],
  ['waw', ['Warsaw', 'PL']],
  ['prg', ['Prague', 'CZ']],
  ['bud', ['Budapest', 'HU']],
  ['dub', ['Dublin', 'IE']],
  ['bru', ['Brussels', 'BE']],
  ['nyc', NEW_YORK],
  ['jfk', NEW_YORK],
  ['ewr', NEW_YORK],
  ['lga', NEW_YORK],
  ['iad', WASHINGTON],
  ['was', WASHINGTON],
  ['dca', WASHINGTON],
  ['chi', CHICAGO],
  ['ord', CHICAGO],
  ['dfw', DALLAS],
  ['dal', DALLAS],
  ['lax', LOS_ANGELES],
  ['sjc', SAN_JOSE],
  ['sfo', ['San Francisco', 'US']],
  ['sea', SEATTLE],
  ['atl', ATLANTA],
  ['mia', MIAMI],
  ['den', ['Denver', 'US']],
  ['bos', ['Boston', 'US']],
  ['phx', ['Phoenix', 'US']],
  ['yyz', TORONTO],
  ['tor', TORONTO],
  ['yul', ['Montreal', 'CA']],
  ['yvr', ['Vancouver', 'CA']],
  ['sin', ['Singapore', 'SG']],
  ['hkg', ['Hong Kong', 'HK']],
  ['nrt', TOKYO],
  ['hnd', TOKYO],
  ['tyo', TOKYO],
  ['icn', SEOUL],
  ['sel', SEOUL],
  ['bom', ['Mumbai', 'IN']],
  ['syd', ['Sydney', 'AU']],
  ['mel', ['Melbourne', 'AU']],
  ['gru', SAO_PAULO],
  ['sao', SAO_PAULO],
  ['jnb', ['Johannesburg', 'ZA']],
  ['dxb', ['Dubai', 'AE']],
]);

/** CLLI city codes: four letters of the place, two of the state or province. */
const CLLI: ReadonlyMap<string, Site> = new Map<string, Site>([
  ['nycmny', NEW_YORK],
  ['chcgil', CHICAGO],
  ['lsanca', LOS_ANGELES],
  ['asbnva', ['Ashburn', 'US']],
  ['dllstx', DALLAS],
  ['snjsca', SAN_JOSE],
  ['sttlwa', SEATTLE],
  ['atlnga', ATLANTA],
  ['miamfl', MIAMI],
  ['plalca', ['Palo Alto', 'US']],
]);

/** The number of codes shipped, for the record. */
export const PLACE_HINT_CODES = IATA.size + CLLI.size;

/** Second-level labels under which a country's registry hands out names (example.co.uk). */
const GENERIC_SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or']);

function domainLabels(labels: readonly string[]): number {
  const tld = labels.at(-1) ?? '';
  const second = labels.at(-2) ?? '';
  return tld.length === 2 && GENERIC_SECOND_LEVEL.has(second) ? 3 : 2;
}

function hintInLabel(label: string): Omit<PlaceHint, 'label'> | null {
  let letters = 0;
  while (letters < label.length) {
    const c = label.charCodeAt(letters);
    if (c < 97 || c > 122) break;
    letters++;
  }
  if (letters === 0) return null;
  const next = label[letters];
  if (next !== undefined && next !== '-' && next !== '_' && !(next >= '0' && next <= '9')) return null;
  const code = label.slice(0, letters);
  const site = IATA.get(code) ?? CLLI.get(code);
  if (site) return { code, city: site[0], countryCode: site[1] };
  if (letters === 8) {
    const clli = code.slice(0, 6);
    const building = CLLI.get(clli);
    if (building) return { code: clli, city: building[0], countryCode: building[1] };
  }
  return null;
}

/** The first place hint in a router's hostname, reading from the left; null when none. */
export function placeHint(hostname: string): PlaceHint | null {
  if (isIP(hostname) !== 0) return null;
  const labels = hostname.toLowerCase().replace(/\.$/, '').split('.');
  const candidates = labels.length === 1 ? labels : labels.slice(0, Math.max(0, labels.length - domainLabels(labels)));
  for (const label of candidates) {
    const hint = hintInLabel(label);
    if (hint) return { ...hint, label };
  }
  return null;
}

/** The country and city a router's hostname names, as places; none when it names no known site. */
export function placesFromHostname(hostname: string, learnedBy: PathComponent['learnedBy'] = 'TRACEROUTE'): Place[] {
  const hint = placeHint(hostname);
  if (!hint) return [];
  const country = countryPlace(hint.countryCode, countryName(hint.countryCode) ?? hint.countryCode, learnedBy);
  const city = cityPlace(hint.countryCode, hint.city, learnedBy);
  return city ? [country, city] : [country];
}
