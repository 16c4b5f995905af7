/**
 * Register records of a simulated company (customers, suppliers, articles, projects, cost centres) in
 * Fortnox's detail shape. The templates hold Fortnox's key order and value quirks; this file fills them
 * with plausible Swedish data.
 */
import type { FortnoxRecord } from './model.ts';
import type { Random } from './random.ts';
import {
  CITIES, emailFor, randomAddress, randomBankgiro, randomBrand, randomCompanyName, randomEan13, randomIban, randomMobile,
  randomOrganisationNumber, randomPersonName, randomPhone, randomPlusgiro, randomRegion, vatNumberFor, domainFor, type LegalForm,
} from './swedish.ts';
import { articleTemplate, costCenterTemplate, customerTemplate, projectTemplate, supplierTemplate } from './templates.ts';

export interface SupplierKind {
  kind: string;
  /** Cost account the supplier's invoices are booked on (the supplier's `PreDefinedAccount`). */
  account: number;
  vat: 0 | 6 | 12 | 25;
  /** Net amount range in kronor. */
  min: number;
  max: number;
  weight: number;
  name: (rnd: Random) => string;
  /** Row text; `{month}` becomes the invoice month. */
  row: string;
}

const MONTHS = ['januari', 'februari', 'mars', 'april', 'maj', 'juni', 'juli', 'augusti', 'september', 'oktober', 'november', 'december'];

export function monthName(date: string): string {
  return `${MONTHS[Number(date.slice(5, 7)) - 1] ?? ''} ${date.slice(0, 4)}`;
}

export const SUPPLIER_KINDS: readonly SupplierKind[] = [
  { kind: 'rent', account: 5010, vat: 25, min: 8_000, max: 45_000, weight: 3, name: (r) => `Fastighets AB ${randomBrand(r)}`, row: 'Lokalhyra {month}' },
  { kind: 'electricity', account: 5020, vat: 25, min: 600, max: 9_000, weight: 3, name: (r) => `${randomRegion(r)} Energi AB`, row: 'Elförbrukning {month}' },
  { kind: 'telecom', account: 6212, vat: 25, min: 300, max: 4_000, weight: 3, name: (r) => `${randomBrand(r)} Telekom AB`, row: 'Mobilabonnemang {month}' },
  { kind: 'internet', account: 6230, vat: 25, min: 400, max: 3_000, weight: 2, name: (r) => `${randomBrand(r)} Bredband AB`, row: 'Fiberanslutning {month}' },
  { kind: 'software', account: 5420, vat: 25, min: 200, max: 6_000, weight: 3, name: (r) => `${randomBrand(r)} Software AB`, row: 'Programlicenser {month}' },
  { kind: 'office', account: 6110, vat: 25, min: 200, max: 5_000, weight: 3, name: (r) => `Kontorsbolaget ${randomBrand(r)} AB`, row: 'Kontorsmaterial' },
  { kind: 'goods', account: 4010, vat: 25, min: 1_500, max: 60_000, weight: 8, name: (r) => randomCompanyName(r), row: 'Material enligt följesedel' },
  { kind: 'subcontractor', account: 4600, vat: 25, min: 5_000, max: 90_000, weight: 3, name: (r) => randomCompanyName(r), row: 'Underentreprenad' },
  { kind: 'consulting', account: 6550, vat: 25, min: 4_000, max: 60_000, weight: 2, name: (r) => `${randomPersonName(r).last} Konsult AB`, row: 'Konsulttjänster {month}' },
  { kind: 'accounting', account: 6530, vat: 25, min: 2_000, max: 15_000, weight: 1, name: (r) => `${randomBrand(r)} Redovisning AB`, row: 'Redovisningstjänster {month}' },
  { kind: 'insurance', account: 6310, vat: 0, min: 1_500, max: 20_000, weight: 1, name: (r) => `${randomRegion(r)} Försäkring AB`, row: 'Företagsförsäkring' },
  { kind: 'freight', account: 5710, vat: 25, min: 300, max: 8_000, weight: 2, name: (r) => `${randomRegion(r)} Åkeri AB`, row: 'Frakt och transport' },
  { kind: 'travel', account: 5810, vat: 6, min: 400, max: 5_000, weight: 1, name: (r) => `${randomBrand(r)} Resor AB`, row: 'Tågresor {month}' },
  { kind: 'hotel', account: 5831, vat: 12, min: 900, max: 9_000, weight: 1, name: (r) => `Hotell ${randomBrand(r)} AB`, row: 'Logi' },
  { kind: 'cleaning', account: 5060, vat: 25, min: 1_500, max: 9_000, weight: 2, name: (r) => `${randomBrand(r)} Städservice AB`, row: 'Städning {month}' },
  { kind: 'advertising', account: 5910, vat: 25, min: 1_000, max: 40_000, weight: 1, name: (r) => `Reklambyrån ${randomBrand(r)} AB`, row: 'Annonsering' },
  { kind: 'repairs', account: 5520, vat: 25, min: 500, max: 15_000, weight: 2, name: (r) => `${randomBrand(r)} Service AB`, row: 'Service och reparation' },
  { kind: 'fuel', account: 5611, vat: 25, min: 500, max: 6_000, weight: 2, name: (r) => `${randomRegion(r)} Drivmedel AB`, row: 'Drivmedel {month}' },
  { kind: 'leasing', account: 5615, vat: 25, min: 2_500, max: 9_000, weight: 1, name: (r) => `${randomBrand(r)} Leasing AB`, row: 'Leasing personbil {month}' },
];

const KIND_BY_ACCOUNT = new Map(SUPPLIER_KINDS.map((k) => [k.account, k]));

/** The kind of a supplier, from its `PreDefinedAccount`. */
export function supplierKind(supplier: FortnoxRecord): SupplierKind {
  return KIND_BY_ACCOUNT.get(Number(supplier.PreDefinedAccount)) ?? (SUPPLIER_KINDS[6] as SupplierKind);
}

function legalForm(rnd: Random): LegalForm {
  return rnd.weighted<LegalForm>([['AB', 85], ['HB', 7], ['EF', 8]]);
}

export function buildCustomer(rnd: Random, number: string, usedOrgNumbers: Set<string>): FortnoxRecord {
  const address = randomAddress(rnd);
  const contact = randomPersonName(rnd);
  if (rnd.bool(0.15)) {
    const person = randomPersonName(rnd);
    return {
      ...customerTemplate(), Address1: address.street, City: address.city, Country: 'Sverige', CountryCode: 'SE', CustomerNumber: number,
      Email: emailFor(`${person.first}.${person.last}`, rnd.pick(['Gmail', 'Telia', 'Hotmail', 'Bredband'])).replace(/\.se$/, rnd.pick(['.com', '.se'])),
      Name: person.full, Phone1: randomMobile(rnd), TermsOfPayment: rnd.pick(['10', '15', '30']), Type: 'PRIVATE', ZipCode: address.zipCode,
      DefaultDeliveryTypes: { Invoice: rnd.bool(0.6) ? 'EMAIL' : 'PRINT', Order: 'PRINT', Offer: 'PRINT' },
    };
  }
  const form = legalForm(rnd);
  const name = randomCompanyName(rnd, form);
  const org = uniqueOrgNumber(rnd, form, usedOrgNumbers);
  const email = emailFor(rnd.pick(['info', 'faktura', 'ekonomi', 'kontakt']), name);
  const byEmail = rnd.bool(0.7);
  const visiting = rnd.bool(0.2);
  return {
    ...customerTemplate(),
    Address1: address.street,
    Address2: rnd.bool(0.1) ? `Box ${rnd.int(10, 9999)}` : null,
    City: address.city,
    Country: 'Sverige',
    CountryCode: 'SE',
    CustomerNumber: number,
    DefaultDeliveryTypes: { Invoice: byEmail ? 'EMAIL' : 'PRINT', Order: 'PRINT', Offer: 'PRINT' },
    Email: email,
    EmailInvoice: byEmail ? email : '',
    InvoiceRemark: rnd.bool(0.1) ? 'Ange alltid vårt ordernummer på fakturan.' : '',
    Name: name,
    OrganisationNumber: org,
    OurReference: '',
    Phone1: randomPhone(rnd, address.areaCode),
    Phone2: rnd.bool(0.2) ? randomMobile(rnd) : null,
    TermsOfPayment: rnd.weighted([['30', 6], ['20', 2], ['15', 1], ['10', 1]]),
    Type: 'COMPANY',
    VATNumber: form === 'AB' ? vatNumberFor(org) : '',
    VisitingAddress: visiting ? address.street : null,
    VisitingCity: visiting ? address.city : null,
    VisitingCountry: visiting ? 'Sverige' : null,
    VisitingCountryCode: visiting ? 'SE' : null,
    VisitingZipCode: visiting ? address.zipCode : null,
    WWW: rnd.bool(0.5) ? `www.${domainFor(name)}` : '',
    YourReference: contact.full,
    ZipCode: address.zipCode,
  };
}

export function uniqueOrgNumber(rnd: Random, form: LegalForm, used: Set<string>): string {
  for (;;) {
    const org = randomOrganisationNumber(rnd, form);
    if (!used.has(org)) {
      used.add(org);
      return org;
    }
  }
}

export interface BankDetails {
  BG: string;
  PG: string;
  IBAN: string;
  BIC: string;
  Bank: string;
}

export function randomBankDetails(rnd: Random): BankDetails {
  const iban = randomIban(rnd);
  const hasBg = rnd.bool(0.85);
  return {
    BG: hasBg ? randomBankgiro(rnd) : '',
    PG: !hasBg || rnd.bool(0.15) ? randomPlusgiro(rnd) : '',
    IBAN: rnd.bool(0.55) ? iban.iban : '',
    BIC: '',
    Bank: iban.bank,
  };
}

export function buildSupplier(rnd: Random, number: string, usedOrgNumbers: Set<string>): FortnoxRecord {
  const kind = rnd.weighted(SUPPLIER_KINDS.map((k) => [k, k.weight] as const));
  const name = kind.name(rnd);
  const address = randomAddress(rnd);
  const org = uniqueOrgNumber(rnd, 'AB', usedOrgNumbers);
  const bank = randomBankDetails(rnd);
  if (bank.IBAN) bank.BIC = bicFor(bank.IBAN);
  return {
    ...supplierTemplate(),
    Address1: address.street,
    BG: bank.BG,
    BIC: bank.BIC,
    Bank: bank.IBAN ? bank.Bank : '',
    City: address.city,
    Country: 'Sverige',
    CountryCode: 'SE',
    Email: emailFor(rnd.pick(['faktura', 'info', 'kundservice']), name),
    IBAN: bank.IBAN,
    Name: name,
    OrganisationNumber: org,
    OurCustomerNumber: String(rnd.int(10000, 999999)),
    PG: bank.PG,
    Phone1: randomPhone(rnd, address.areaCode),
    PreDefinedAccount: String(kind.account),
    SupplierNumber: number,
    TermsOfPayment: rnd.weighted([['30', 6], ['20', 2], ['10', 1], ['15', 1]]),
    VATNumber: vatNumberFor(org),
    WWW: `www.${domainFor(name)}`,
    YourReference: randomPersonName(rnd).full,
    ZipCode: address.zipCode,
  };
}

/** The BIC of a Swedish IBAN's bank code. */
export function bicFor(iban: string): string {
  const code = iban.slice(4, 7);
  const banks: Record<string, string> = { '500': 'ESSESESS', '600': 'HANDSESS', '800': 'SWEDSESS', '300': 'NDEASESS', '120': 'DABASESX', '957': 'SKIASESS', '965': 'LAHYSESS' };
  return banks[code] ?? 'ESSESESS';
}

// Articles: a base item, its unit and price range, its VAT rate; variants make the descriptions unique.
const SERVICES: readonly [string, string, number, number][] = [
  ['Arbetstid snickare', 'h', 550, 750], ['Arbetstid elektriker', 'h', 600, 850], ['Arbetstid målare', 'h', 500, 700],
  ['Konsulttimme', 'h', 900, 1_600], ['Projektledning', 'h', 950, 1_450], ['Rådgivning', 'h', 1_100, 2_200],
  ['Servicebesök', 'st', 450, 1_200], ['Resetid', 'h', 350, 600], ['Utbildning, halvdag', 'st', 4_500, 9_500],
  ['Installation', 'st', 1_200, 6_500], ['Felsökning', 'h', 700, 1_100], ['Systemutveckling', 'h', 950, 1_350],
  ['Webbdesign', 'h', 800, 1_200], ['Städning kontor', 'h', 380, 520], ['Fönsterputs', 'st', 900, 2_500],
  ['Trädgårdsskötsel', 'h', 420, 600], ['Redovisning, löpande', 'h', 650, 950], ['Bokslut och deklaration', 'st', 6_000, 18_000],
  ['Fotografering', 'h', 900, 1_500], ['Transport', 'h', 650, 950], ['Hyra maskin, dag', 'st', 800, 2_400],
];
const GOODS: readonly [string, string, number, number, 6 | 12 | 25][] = [
  ['Kabel EKK 3G1,5', 'm', 9, 18, 25], ['Skruv trä 5,0×50', 'förp', 89, 179, 25], ['Väggfärg vit', 'l', 79, 149, 25],
  ['Spackel fin', 'st', 119, 229, 25], ['Golvlist ek', 'st', 89, 189, 25], ['Gipsskiva 13 mm', 'st', 79, 129, 25],
  ['Reglar 45×95', 'm', 19, 35, 25], ['Eluttag dubbelt', 'st', 59, 129, 25], ['LED-armatur', 'st', 349, 1_299, 25],
  ['Blandare kök', 'st', 1_290, 4_990, 25], ['Toner svart', 'st', 690, 1_490, 25], ['Kopieringspapper A4', 'förp', 59, 99, 25],
  ['Skrivbordsstol', 'st', 1_990, 6_990, 25], ['Bildskärm 27"', 'st', 2_490, 5_990, 25], ['Tangentbord', 'st', 390, 1_290, 25],
  ['Arbetshandskar', 'par', 49, 149, 25], ['Skyddsglasögon', 'st', 89, 249, 25], ['Kaffe mellanrost', 'kg', 149, 289, 12],
  ['Smörgåstårta', 'st', 450, 1_200, 12], ['Lunch buffé', 'st', 125, 195, 12], ['Fikabröd', 'st', 25, 45, 12],
  ['Fackbok Bokföring', 'st', 349, 595, 6], ['Tidskrift, prenumeration', 'st', 599, 1_490, 6], ['Konsertbiljett', 'st', 395, 895, 6],
  ['Blomsterbukett', 'st', 295, 795, 25], ['Krukväxt', 'st', 149, 549, 25], ['Dörrhandtag mässing', 'st', 199, 499, 25],
  ['Silikon sanitet', 'st', 89, 159, 25], ['Rörkoppling 15 mm', 'st', 29, 79, 25], ['Värmepump service-kit', 'st', 990, 2_490, 25],
];
const VARIANTS = ['', 'standard', 'premium', 'mini', 'maxi', 'svart', 'vit', 'grå', 'ek', 'björk', 'rostfri', 'mässing', 'grön', 'blå', 'röd', 'natur', 'matt', 'blank', 'XL', 'extra'];
const SIZES = ['', '10-pack', '25-pack', '50-pack', '100 m', '2,5 l', '10 l', '500 g'];

export function buildArticle(rnd: Random, number: string, usedDescriptions: Set<string>): FortnoxRecord {
  const service = rnd.bool(0.3);
  const draw = (): { description: string; unit: string; min: number; max: number; vat: 6 | 12 | 25 } => {
    if (service) {
      const [name, unit, min, max] = rnd.pick(SERVICES);
      const qualifier = rnd.pick(['', 'kväll', 'helg', 'akut', 'junior', 'senior', 'distans', 'på plats']);
      return { description: [name, qualifier].filter(Boolean).join(', '), unit, min, max, vat: 25 };
    }
    const [name, unit, min, max, vat] = rnd.pick(GOODS);
    return { description: [name, rnd.pick(VARIANTS), rnd.pick(SIZES)].filter(Boolean).join(' '), unit, min, max, vat };
  };
  let item = draw();
  for (let attempt = 0; usedDescriptions.has(item.description); attempt++) {
    item = draw();
    if (attempt >= 4) item.description = `${item.description} (${number})`;
  }
  const { description, unit, min, max, vat } = item;
  usedDescriptions.add(description);
  // Whole kronor for dear items, "…,90" prices for cheap ones, as Swedish price lists look.
  const price = max > 1000 ? rnd.int(min, max) : Math.round((rnd.int(min, max) - (rnd.bool(0.5) ? 0.1 : 0)) * 100) / 100;
  const purchase = service ? 0 : Math.round(price * rnd.int(45, 75)) / 100;
  const stock = !service && rnd.bool(0.6);
  const quantity = stock ? rnd.int(0, 400) : 0;
  return {
    ...articleTemplate(),
    ArticleNumber: number,
    Description: description,
    DisposableQuantity: quantity,
    EAN: stock ? randomEan13(rnd) : '',
    Active: rnd.bool(0.95),
    Manufacturer: stock && rnd.bool(0.5) ? `${randomBrand(rnd)} AB` : null,
    Note: rnd.bool(0.05) ? 'Beställningsvara, leveranstid 2–3 veckor.' : '',
    PurchaseAccount: service ? 4600 : 4010,
    PurchasePrice: purchase,
    QuantityInStock: quantity,
    SalesAccount: vat === 25 ? (service ? 3011 : 3001) : vat === 12 ? 3002 : 3003,
    StockGoods: stock,
    StockPlace: stock ? `Hylla ${rnd.pick(['A', 'B', 'C', 'D'])}${rnd.int(1, 30)}` : null,
    StockValue: Math.round(quantity * purchase * 100) / 100,
    StockWarning: stock ? rnd.pick([0, 5, 10, 20]) : 0,
    Type: service ? 'SERVICE' : 'STOCK',
    Unit: unit,
    VAT: vat,
    SalesPrice: price,
  };
}

const PROJECT_KINDS = [
  'Renovering kontor', 'Nybyggnation villa', 'Ombyggnad kök', 'Webbplats', 'IT-migrering', 'Mässa', 'Tillbyggnad',
  'Badrumsrenovering', 'Ekonomisystem', 'Elinstallation', 'Takbyte', 'Utbildningsprogram', 'Marknadskampanj', 'Fasadrenovering',
];

export function buildProject(rnd: Random, number: string, startDate: string, today: string): FortnoxRecord {
  const status = rnd.weighted([['COMPLETED', 4], ['ONGOING', 5], ['NOTSTARTED', 1]] as const);
  const end = status === 'COMPLETED' ? minDate(today, addDays(startDate, rnd.int(30, 300))) : '';
  return {
    ...projectTemplate(),
    Comments: rnd.bool(0.3) ? 'Fast pris enligt offert.' : '',
    ContactPerson: randomPersonName(rnd).full,
    Description: `${rnd.pick(PROJECT_KINDS)} ${rnd.pick([randomBrand(rnd), randomPersonName(rnd).last, rnd.pick(CITIES).name])}`.slice(0, 50),
    EndDate: end,
    ProjectLeader: randomPersonName(rnd).full,
    ProjectNumber: number,
    StartDate: status === 'NOTSTARTED' ? addDays(today, rnd.int(5, 60)) : startDate,
    Status: status,
  };
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function minDate(a: string, b: string): string {
  return a < b ? a : b;
}

const NAMED_COST_CENTERS: readonly [string, string][] = [
  ['ADM', 'Administration'], ['EKO', 'Ekonomi'], ['SÄLJ', 'Försäljning'], ['MARK', 'Marknad'], ['PROD', 'Produktion'],
  ['LAGER', 'Lager och logistik'], ['IT', 'IT och drift'], ['HR', 'Personal'], ['SERV', 'Service'], ['STHLM', 'Kontor Stockholm'],
  ['GBG', 'Kontor Göteborg'], ['MALMÖ', 'Kontor Malmö'], ['UPPS', 'Kontor Uppsala'], ['NORR', 'Region Norr'], ['SÖDER', 'Region Söder'],
  ['VÄST', 'Region Väst'], ['ÖST', 'Region Öst'], ['UTV', 'Utveckling'], ['KUND', 'Kundtjänst'], ['INKÖP', 'Inköp'],
];

export function buildCostCenter(rnd: Random, index: number): FortnoxRecord {
  const named = NAMED_COST_CENTERS[index];
  const [code, description] = named ?? [String(100 + index), `Avdelning ${index - NAMED_COST_CENTERS.length + 1} ${rnd.pick(CITIES).name}`];
  return { ...costCenterTemplate(), Code: code, Description: description, Note: rnd.bool(0.2) ? 'Budgetansvarig: ' + randomPersonName(rnd).full : '', Active: rnd.bool(0.93) };
}
