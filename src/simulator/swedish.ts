/**
 * Swedish reference data and number formats for the simulator's companies: names, addresses with real
 * postcodes, phone numbers, and the check-digit schemes Swedish payments rely on (organisation numbers,
 * bankgiro, plusgiro, IBAN, OCR). Validators are exported so tests and later code can hold generated data
 * to the same rules a bank or Bolagsverket would.
 */
import type { Random } from './random.ts';

// ---------------------------------------------------------------------------------------------------
// Check digits

/** The Luhn (mod 10) check digit for a string of digits. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit is the Luhn check digit of the others. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits.at(-1));
}

function randomDigits(rnd: Random, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += String(rnd.int(0, 9));
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Organisation numbers and VAT numbers

/** Legal forms and the first three digits their organisation numbers start with (Bolagsverket's groups). */
export const LEGAL_FORM_PREFIXES = {
  AB: ['556', '559'],
  HB: ['969', '916'],
  EF: ['769'],
} as const;
export type LegalForm = keyof typeof LEGAL_FORM_PREFIXES;

/** Formats ten digits as `NNNNNN-NNNN`. */
export function formatOrganisationNumber(digits: string): string {
  return `${digits.slice(0, 6)}-${digits.slice(6)}`;
}

/** An organisation number from a three-digit prefix and six more digits; the check digit is computed. */
export function organisationNumberFrom(prefix: string, body: string): string {
  const nine = (prefix + body).slice(0, 9);
  return formatOrganisationNumber(nine + String(luhnCheckDigit(nine)));
}

export function randomOrganisationNumber(rnd: Random, form: LegalForm = 'AB'): string {
  return organisationNumberFrom(rnd.pick(LEGAL_FORM_PREFIXES[form]), randomDigits(rnd, 6));
}

/**
 * A legal entity's number: 10 digits (hyphen after the sixth optional), Luhn-valid, and a third digit of
 * at least 2, which is what tells it apart from a personal identity number (month 01–12).
 */
export function isValidOrganisationNumber(value: string): boolean {
  const m = /^(\d{6})-?(\d{4})$/.exec(value);
  if (!m) return false;
  const digits = `${m[1]}${m[2]}`;
  return Number(digits[2]) >= 2 && luhnValid(digits);
}

/** Swedish VAT registration number: `SE` + the ten digits + `01`. */
export function vatNumberFor(organisationNumber: string): string {
  return `SE${organisationNumber.replace('-', '')}01`;
}

export function isValidVatNumber(value: string): boolean {
  const m = /^SE(\d{10})01$/.exec(value);
  return m !== null && isValidOrganisationNumber(m[1] as string);
}

// ---------------------------------------------------------------------------------------------------
// Bankgiro, plusgiro, IBAN, OCR

/** Bankgiro: 7 or 8 digits, the last a Luhn check digit; written `123-4567` or `1234-5678`. */
export function randomBankgiro(rnd: Random): string {
  const length = rnd.bool(0.6) ? 8 : 7;
  // Bankgiro numbers never start with 0 or 1 in practice (those ranges were never issued).
  const body = String(rnd.int(2, 9)) + randomDigits(rnd, length - 2);
  return formatBankgiro(body + String(luhnCheckDigit(body)));
}

export function formatBankgiro(digits: string): string {
  return `${digits.slice(0, -4)}-${digits.slice(-4)}`;
}

export function isValidBankgiro(value: string): boolean {
  const m = /^(\d{3,4})-(\d{4})$/.exec(value);
  return m !== null && luhnValid(`${m[1]}${m[2]}`);
}

/** Plusgiro: 2–8 digits, the last a Luhn check digit; written in pairs from the right, `12 34 56-7`. */
export function randomPlusgiro(rnd: Random): string {
  const length = rnd.int(5, 8);
  const body = String(rnd.int(1, 9)) + randomDigits(rnd, length - 2);
  return formatPlusgiro(body + String(luhnCheckDigit(body)));
}

export function formatPlusgiro(digits: string): string {
  const body = digits.slice(0, -1);
  const groups: string[] = [];
  // Seven body digits are written 3-2-2 (`123 45 67-8`), shorter ones in pairs from the right.
  let rest = body;
  while (rest.length > (body.length === 7 ? 3 : 2)) {
    groups.unshift(rest.slice(-2));
    rest = rest.slice(0, -2);
  }
  groups.unshift(rest);
  return `${groups.join(' ')}-${digits.slice(-1)}`;
}

export function isValidPlusgiro(value: string): boolean {
  if (!/^[\d ]+-\d$/.test(value)) return false;
  const digits = value.replace(/[ -]/g, '');
  return digits.length >= 2 && digits.length <= 8 && luhnValid(digits);
}

/** Swedish banks: the IBAN bank code (three digits), BIC and a name. */
export const SWEDISH_BANKS = [
  { code: '500', bic: 'ESSESESS', name: 'SEB' },
  { code: '600', bic: 'HANDSESS', name: 'Handelsbanken' },
  { code: '800', bic: 'SWEDSESS', name: 'Swedbank' },
  { code: '300', bic: 'NDEASESS', name: 'Nordea' },
  { code: '120', bic: 'DABASESX', name: 'Danske Bank' },
  { code: '957', bic: 'SKIASESS', name: 'Skandiabanken' },
  { code: '965', bic: 'LAHYSESS', name: 'Länsförsäkringar Bank' },
] as const;

function mod97(numeric: string): number {
  let r = 0;
  for (let i = 0; i < numeric.length; i += 7) r = Number(String(r) + numeric.slice(i, i + 7)) % 97;
  return r;
}

function ibanNumeric(rearranged: string): string {
  return rearranged.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
}

/** A Swedish IBAN (`SE`, ISO 13616 check digits, 3-digit bank code, 17-digit account), electronic form. */
export function ibanFor(bankCode: string, account17: string): string {
  const bban = bankCode + account17;
  const check = 98 - mod97(ibanNumeric(`${bban}SE00`));
  return `SE${String(check).padStart(2, '0')}${bban}`;
}

export function randomIban(rnd: Random): { iban: string; bic: string; bank: string } {
  const bank = rnd.pick(SWEDISH_BANKS);
  // Swedish account numbers are right-aligned in the 17 digits behind leading zeros.
  const account = randomDigits(rnd, rnd.int(10, 12)).padStart(17, '0');
  return { iban: ibanFor(bank.code, account), bic: bank.bic, bank: bank.name };
}

/** Accepts the electronic form or groups of four (`SE45 5000 0000 …`). */
export function isValidIban(value: string): boolean {
  const compact = value.replace(/ /g, '');
  if (!/^SE\d{22}$/.test(compact)) return false;
  return mod97(ibanNumeric(compact.slice(4) + compact.slice(0, 4))) === 1;
}

export function formatIbanForPrint(iban: string): string {
  return iban.replace(/(.{4})(?=.)/g, '$1 ');
}

export function isValidBic(value: string): boolean {
  return /^[A-Z]{4}SE[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(value);
}

/**
 * An OCR reference as Fortnox builds it from an invoice number: the number, then (optionally) a length
 * digit (total length mod 10), then a Luhn check digit over everything before it.
 */
export function ocrFor(reference: string, withLengthDigit = true): string {
  const body = withLengthDigit ? reference + String((reference.length + 2) % 10) : reference;
  return body + String(luhnCheckDigit(body));
}

export function isValidOcr(value: string, options: { lengthDigit?: boolean } = {}): boolean {
  if (!/^\d{2,25}$/.test(value) || !luhnValid(value)) return false;
  if (options.lengthDigit) return Number(value.at(-2)) === value.length % 10;
  return true;
}

// ---------------------------------------------------------------------------------------------------
// People, places, companies

export const FIRST_NAMES = [
  'Anna', 'Åsa', 'Eva', 'Maria', 'Karin', 'Sara', 'Lena', 'Kerstin', 'Ingrid', 'Märta', 'Linnéa', 'Elin',
  'Ebba', 'Maja', 'Agnes', 'Ylva', 'Sofia', 'Helén', 'Görel', 'Britt-Marie', 'Astrid', 'Ulla', 'Ines', 'Tove',
  'Lars', 'Anders', 'Johan', 'Per', 'Björn', 'Göran', 'Mikael', 'Jörgen', 'Håkan', 'Stefan', 'Oskar', 'Erik',
  'Nils', 'Olof', 'Åke', 'Sören', 'André', 'René', 'Jöns', 'Mattias', 'Gustav', 'Hugo', 'Viktor', 'Tomas',
] as const;

export const LAST_NAMES = [
  'Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson',
  'Gustafsson', 'Pettersson', 'Jonsson', 'Lindström', 'Lindqvist', 'Lindgren', 'Bergström', 'Sjöberg',
  'Öberg', 'Åberg', 'Åkesson', 'Ström', 'Holmström', 'Nordström', 'Sandström', 'Söderberg', 'Hägglund',
  'Björk', 'Fält', 'Källström', 'Mårtensson', 'Engström', 'Östlund', 'Wallén', 'Hedén', 'Löfgren', 'Ek',
  'Forsén', 'Dahlén', 'Ågren', 'Sundén', 'Blomqvist', 'Hjälm', 'Nyström', 'Berglöf', 'Älvestam',
] as const;

export interface SwedishCity {
  name: string;
  /** Real postcodes in the city, written `NNN NN`. */
  postcodes: readonly string[];
  /** Telephone area code with the trunk prefix, e.g. `08`. */
  areaCode: string;
}

export const CITIES: readonly SwedishCity[] = [
  { name: 'Stockholm', postcodes: ['111 22', '111 52', '113 27', '114 34', '116 45', '118 20', '112 51'], areaCode: '08' },
  { name: 'Göteborg', postcodes: ['411 05', '411 36', '413 04', '414 51', '416 64', '417 05'], areaCode: '031' },
  { name: 'Malmö', postcodes: ['211 20', '211 43', '212 12', '214 21', '217 41'], areaCode: '040' },
  { name: 'Uppsala', postcodes: ['753 20', '753 10', '752 28', '754 50'], areaCode: '018' },
  { name: 'Västerås', postcodes: ['722 15', '722 12', '724 60'], areaCode: '021' },
  { name: 'Örebro', postcodes: ['702 10', '703 61', '702 25'], areaCode: '019' },
  { name: 'Linköping', postcodes: ['582 24', '582 22', '583 30'], areaCode: '013' },
  { name: 'Helsingborg', postcodes: ['252 21', '252 25', '254 39'], areaCode: '042' },
  { name: 'Jönköping', postcodes: ['553 20', '553 16', '554 54'], areaCode: '036' },
  { name: 'Norrköping', postcodes: ['602 24', '602 32', '603 67'], areaCode: '011' },
  { name: 'Lund', postcodes: ['222 21', '223 50', '224 66'], areaCode: '046' },
  { name: 'Umeå', postcodes: ['903 26', '903 29', '904 22'], areaCode: '090' },
  { name: 'Gävle', postcodes: ['803 20', '803 11', '802 67'], areaCode: '026' },
  { name: 'Borås', postcodes: ['503 30', '503 34', '504 33'], areaCode: '033' },
  { name: 'Södertälje', postcodes: ['151 73', '152 42'], areaCode: '08' },
  { name: 'Eskilstuna', postcodes: ['632 20', '633 46'], areaCode: '016' },
  { name: 'Karlstad', postcodes: ['652 24', '652 25', '653 41'], areaCode: '054' },
  { name: 'Täby', postcodes: ['183 30', '187 34'], areaCode: '08' },
  { name: 'Växjö', postcodes: ['352 30', '352 33', '352 46'], areaCode: '0470' },
  { name: 'Halmstad', postcodes: ['302 43', '302 45', '302 50'], areaCode: '035' },
  { name: 'Sundsvall', postcodes: ['852 30', '852 32', '856 50'], areaCode: '060' },
  { name: 'Luleå', postcodes: ['972 32', '972 38', '973 34'], areaCode: '0920' },
  { name: 'Östersund', postcodes: ['831 30', '831 34', '831 40'], areaCode: '063' },
  { name: 'Falun', postcodes: ['791 71', '791 31', '791 60'], areaCode: '023' },
  { name: 'Kalmar', postcodes: ['392 32', '392 34', '393 51'], areaCode: '0480' },
  { name: 'Kristianstad', postcodes: ['291 31', '291 32', '291 54'], areaCode: '044' },
  { name: 'Karlskrona', postcodes: ['371 33', '371 31', '371 41'], areaCode: '0455' },
  { name: 'Visby', postcodes: ['621 55', '621 57', '621 46'], areaCode: '0498' },
  { name: 'Skellefteå', postcodes: ['931 30', '931 31', '931 33'], areaCode: '0910' },
  { name: 'Ängelholm', postcodes: ['262 32', '262 63'], areaCode: '0431' },
  { name: 'Örnsköldsvik', postcodes: ['891 33', '891 41'], areaCode: '0660' },
  { name: 'Nyköping', postcodes: ['611 30', '611 35'], areaCode: '0155' },
  { name: 'Åre', postcodes: ['837 52'], areaCode: '0647' },
  { name: 'Trollhättan', postcodes: ['461 30', '461 32', '461 34'], areaCode: '0520' },
];

export const STREETS = [
  'Storgatan', 'Drottninggatan', 'Kungsgatan', 'Västra Hamngatan', 'Sveavägen', 'Götgatan', 'Ängsvägen',
  'Björkvägen', 'Skolgatan', 'Järnvägsgatan', 'Södra Vägen', 'Östra Långgatan', 'Hamngatan', 'Nygatan',
  'Kyrkogatan', 'Industrivägen', 'Fabriksgatan', 'Verkstadsgatan', 'Åkervägen', 'Trädgårdsgatan',
  'Slottsgatan', 'Bangårdsgatan', 'Mårtensgatan', 'Lövängsvägen', 'Sjögatan', 'Älvgatan', 'Strandvägen',
  'Hantverkargatan', 'Fältvägen', 'Rönnvägen', 'Granvägen', 'Tullgatan', 'Prästgårdsgatan', 'Hälsovägen',
] as const;

const TRADES = [
  'Bygg', 'Elteknik', 'Måleri', 'VVS', 'Konsult', 'Redovisning', 'Transport', 'Åkeri', 'Städservice',
  'Fastigheter', 'Data', 'IT-konsult', 'Reklambyrå', 'Design', 'Café', 'Bageri', 'Blomsterhandel', 'Trädgård',
  'Snickeri', 'Plåtslageri', 'Golvläggning', 'Hälsa', 'Frisörsalong', 'Juristbyrå', 'Arkitekter', 'Media',
  'Logistik', 'Mekaniska Verkstad', 'Livsmedel', 'Import', 'Handel', 'Event', 'Film', 'Skog & Lantbruk',
  'Maskinuthyrning', 'Kyl & Värme', 'Säkerhet', 'Tandvård', 'Fotografi', 'Ekonomitjänst',
] as const;

const REGIONS = [
  'Norrlands', 'Västkustens', 'Söderns', 'Österlens', 'Mälardalens', 'Upplands', 'Smålands', 'Skånes',
  'Dalarnas', 'Värmlands', 'Göta', 'Hälsinge', 'Roslagens', 'Östgöta', 'Gotlands', 'Jämtlands', 'Bohus',
  'Vätterns', 'Ångermanlands', 'Södermalms', 'Kungsholmens', 'Österåkers', 'Älvsbyns',
] as const;

const STEMS = ['Ek', 'Björk', 'Lind', 'Gran', 'Sjö', 'Berg', 'Ängs', 'Strand', 'Fjäll', 'Norr', 'Söder', 'Väst', 'Öst', 'Älv', 'Silver', 'Sol', 'Stjärn', 'Lövs', 'Rönn', 'Häll', 'Kärr'] as const;
const ENDINGS = ['backen', 'dalen', 'gården', 'viken', 'udden', 'ljus', 'kraft', 'form', 'sten', 'hem', 'byn', 'näs', 'ås', 'holmen', 'fors'] as const;

export function randomPersonName(rnd: Random): { first: string; last: string; full: string } {
  const first = rnd.pick(FIRST_NAMES);
  const last = rnd.pick(LAST_NAMES);
  return { first, last, full: `${first} ${last}` };
}

function genitive(name: string): string {
  return /[sxz]$/.test(name) ? name : `${name}s`;
}

/** A plausible Swedish company name; the legal form shows in the suffix (`AB`, `HB`) or its absence. */
export function randomCompanyName(rnd: Random, form: LegalForm = 'AB'): string {
  const trade = rnd.pick(TRADES);
  const pattern = rnd.int(0, 3);
  if (form === 'EF') return `${randomPersonName(rnd).full} ${trade}`;
  if (form === 'HB') return `${rnd.bool() ? 'Bröderna' : 'Systrarna'} ${rnd.pick(LAST_NAMES)} ${trade} HB`;
  if (pattern === 0) return `${genitive(rnd.pick(LAST_NAMES))} ${trade} AB`;
  if (pattern === 1) return `${rnd.pick(REGIONS)} ${trade} AB`;
  if (pattern === 2) return `${rnd.pick(STEMS)}${rnd.pick(ENDINGS)} ${trade} AB`;
  return `${trade} i ${rnd.pick(CITIES).name} AB`;
}

/** A brand-like word (`Ekbacken`, `Sjöljus`) for names and domains. */
export function randomBrand(rnd: Random): string {
  return rnd.pick(STEMS) + rnd.pick(ENDINGS);
}

export function randomRegion(rnd: Random): string {
  return rnd.pick(REGIONS);
}

export interface SwedishAddress {
  street: string;
  zipCode: string;
  city: string;
  areaCode: string;
}

export function randomAddress(rnd: Random): SwedishAddress {
  const city = rnd.pick(CITIES);
  const number = rnd.int(1, 120);
  const letter = rnd.bool(0.15) ? rnd.pick(['A', 'B', 'C']) : '';
  return { street: `${rnd.pick(STREETS)} ${number}${letter}`, zipCode: rnd.pick(city.postcodes), city: city.name, areaCode: city.areaCode };
}

/** A landline number in the city's area code, grouped the Swedish way: `08-123 45 67`, `0470-12 34 56`. */
export function randomPhone(rnd: Random, areaCode: string): string {
  const localLength = Math.max(5, 10 - areaCode.length);
  const local = String(rnd.int(2, 9)) + randomDigits(rnd, localLength - 1);
  return `${areaCode}-${groupLocal(local)}`;
}

export function randomMobile(rnd: Random): string {
  return `07${rnd.pick(['0', '2', '3', '6', '9'])}-${groupLocal(randomDigits(rnd, 7))}`;
}

function groupLocal(local: string): string {
  if (local.length === 7) return `${local.slice(0, 3)} ${local.slice(3, 5)} ${local.slice(5)}`;
  if (local.length === 6) return `${local.slice(0, 2)} ${local.slice(2, 4)} ${local.slice(4)}`;
  if (local.length === 8) return `${local.slice(0, 3)} ${local.slice(3, 6)} ${local.slice(6)}`;
  return `${local.slice(0, 3)} ${local.slice(3)}`;
}

/** Lower-case ASCII for e-mail addresses and domains: `Åkessons Bygg AB` → `akessonsbygg`. */
export function asciiSlug(text: string): string {
  return asciiFold(text)
    .replace(/\b(ab|hb)\b/g, '')
    .replace(/&/g, 'och')
    .replace(/[^a-z0-9]+/g, '')
    .slice(0, 30);
}

function asciiFold(text: string): string {
  return text.toLowerCase().replace(/å|ä/g, 'a').replace(/ö/g, 'o').replace(/é|è/g, 'e').replace(/ü/g, 'u');
}

export function domainFor(companyName: string): string {
  return `${asciiSlug(companyName) || 'foretaget'}.se`;
}

export function emailFor(local: string, companyName: string): string {
  const user = asciiFold(local).replace(/[^a-z0-9.]+/g, '.').replace(/^\.+|\.+$/g, '');
  return `${user || 'info'}@${domainFor(companyName)}`;
}

/** An EAN-13 with a Swedish (GS1 73) prefix and its check digit (weights 1 and 3 from the left). */
export function randomEan13(rnd: Random): string {
  const body = `73${randomDigits(rnd, 10)}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (body.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}
