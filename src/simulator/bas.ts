/**
 * A BAS 2024-style chart of accounts as a Swedish AB in Fortnox would have it: a few hundred accounts
 * with Swedish descriptions, Fortnox VAT codes, and SRU codes of the INK2 balance sheet and income
 * statement (derived from the account ranges, the way BAS maps them).
 */

export interface BasAccount {
  number: number;
  description: string;
  /** Fortnox's VAT code on the account (`MP1` = sales 25 %, `U1` = output VAT 25 %, `I` = input VAT …), or ''. */
  vatCode: string;
  sru: number;
  active: boolean;
}

// number | description | VAT code | `-` marks an account that is inactive in the chart.
const CHART = `
1010|Utvecklingsutgifter||
1012|Balanserade utgifter för programvaror||
1019|Ackumulerade avskrivningar på balanserade utgifter||
1030|Patent||
1050|Goodwill||
1059|Ackumulerade avskrivningar på goodwill||
1110|Byggnader||-
1119|Ackumulerade avskrivningar på byggnader||-
1130|Mark||-
1150|Markanläggningar||-
1210|Maskiner och andra tekniska anläggningar||
1219|Ackumulerade avskrivningar på maskiner och andra tekniska anläggningar||
1220|Inventarier och verktyg||
1221|Inventarier||
1229|Ackumulerade avskrivningar på inventarier och verktyg||
1240|Bilar och andra transportmedel||
1249|Ackumulerade avskrivningar på bilar och andra transportmedel||
1250|Datorer||
1259|Ackumulerade avskrivningar på datorer||
1290|Övriga materiella anläggningstillgångar||-
1310|Andelar i koncernföretag||-
1380|Andra långfristiga fordringar||
1384|Spärrade bankmedel||-
1385|Värde av kapitalförsäkring||-
1410|Lager av råvaror||
1460|Lager av handelsvaror||
1469|Förändring av lager av handelsvaror||
1470|Pågående arbeten||
1480|Förskott för varor och tjänster||
1510|Kundfordringar||
1511|Kundfordringar||
1512|Belånade kundfordringar (factoring)||-
1513|Kundfordringar – delad faktura||-
1515|Osäkra kundfordringar||
1518|Ej reskontraförda kundfordringar||
1519|Nedskrivning av kundfordringar||
1610|Kortfristiga fordringar hos anställda||
1611|Reseförskott||
1613|Övriga förskott||
1614|Tillfälliga lån till anställda||-
1620|Upparbetad men ej fakturerad intäkt||
1630|Avräkning för skatter och avgifter (skattekonto)||
1640|Skattefordringar||
1650|Momsfordran||
1680|Andra kortfristiga fordringar||
1681|Utlägg för kunder||
1682|Kortfristiga lånefordringar||-
1685|Kortfristiga fordringar hos delägare eller närstående||
1710|Förutbetalda hyreskostnader||
1720|Förutbetalda leasingavgifter||
1730|Förutbetalda försäkringspremier||
1740|Förutbetalda räntekostnader||
1750|Upplupna hyresintäkter||-
1760|Upplupna ränteintäkter||
1790|Övriga förutbetalda kostnader och upplupna intäkter||
1810|Andelar i börsnoterade företag||-
1820|Obligationer||-
1880|Andra kortfristiga placeringar||
1910|Kassa||
1920|PlusGiro||
1930|Företagskonto/checkkonto/affärskonto||
1940|Övriga bankkonton||
1950|Bankcertifikat||-
1960|Koncernkonto moderföretag||-
1970|Särskilda bankkonton||
1980|Valutakonton||
2081|Aktiekapital||
2082|Ej registrerat aktiekapital||-
2085|Uppskrivningsfond||-
2086|Reservfond||
2090|Fritt eget kapital||
2091|Balanserad vinst eller förlust||
2093|Erhållna aktieägartillskott||
2098|Vinst eller förlust från föregående år||
2099|Årets resultat||
2110|Periodiseringsfond vid 2010 års taxering||-
2123|Periodiseringsfond 2023||
2124|Periodiseringsfond 2024||
2125|Periodiseringsfond 2025||
2126|Periodiseringsfond 2026||
2150|Ackumulerade överavskrivningar||
2220|Avsättningar för garantier||
2250|Övriga avsättningar för skatter||-
2290|Övriga avsättningar||
2330|Checkräkningskredit||
2350|Skulder till kreditinstitut||
2351|Skulder till kreditinstitut, fordonslån||
2390|Övriga långfristiga skulder||
2393|Lån från närstående personer, långfristig del||
2410|Andra kortfristiga låneskulder till kreditinstitut||
2417|Kortfristig del av långfristiga skulder till kreditinstitut||
2420|Förskott från kunder||
2440|Leverantörsskulder||
2441|Leverantörsskulder||
2443|Konsignationsskulder||-
2448|Ej reskontraförda leverantörsskulder||
2450|Fakturerad men ej upparbetad intäkt||
2490|Övriga kortfristiga skulder till kreditinstitut, kunder och leverantörer||
2510|Skatteskulder||
2512|Beräknad inkomstskatt||
2514|Beräknad särskild löneskatt på pensionskostnader||
2518|Betald F-skatt||
2610|Utgående moms, 25 %|U1|
2611|Utgående moms på försäljning inom Sverige, 25 %|U1|
2612|Utgående moms på egna uttag, 25 %|U1|
2614|Utgående moms omvänd skattskyldighet, 25 %|UF1|
2615|Utgående moms import av varor, 25 %|UI1|
2620|Utgående moms, 12 %|U2|
2621|Utgående moms på försäljning inom Sverige, 12 %|U2|
2624|Utgående moms omvänd skattskyldighet, 12 %|UF2|
2630|Utgående moms, 6 %|U3|
2631|Utgående moms på försäljning inom Sverige, 6 %|U3|
2634|Utgående moms omvänd skattskyldighet, 6 %|UF3|
2640|Ingående moms|I|
2641|Debiterad ingående moms|I|
2645|Beräknad ingående moms på förvärv från utlandet|IF|
2647|Ingående moms omvänd skattskyldighet varor och tjänster i Sverige|IF|
2650|Redovisningskonto för moms||
2660|Särskilda punktskatter||-
2710|Personalskatt||
2730|Lagstadgade sociala avgifter och särskild löneskatt||
2731|Avräkning lagstadgade sociala avgifter||
2732|Avräkning särskild löneskatt||
2740|Avtalade sociala avgifter||
2790|Övriga löneavdrag||
2794|Fackföreningsavgifter||-
2810|Avräkning för factoring och belånade kundfordringar||-
2820|Kortfristiga skulder till anställda||
2821|Löneskulder||
2822|Reseräkningar||
2823|Tantiem, gratifikationer||-
2829|Övriga kortfristiga skulder till anställda||
2850|Avräkning för skatter och avgifter (skattekonto)||
2890|Övriga kortfristiga skulder||
2893|Skulder till närstående personer, kortfristig del||
2898|Outtagen vinstutdelning||
2910|Upplupna löner||
2920|Upplupna semesterlöner||
2940|Upplupna lagstadgade sociala och andra avgifter||
2941|Beräknade upplupna lagstadgade sociala avgifter||
2960|Upplupna räntekostnader||
2970|Förutbetalda intäkter||
2990|Övriga upplupna kostnader och förutbetalda intäkter||
2991|Beräknat arvode för bokslut||
3001|Försäljning inom Sverige, 25 % moms|MP1|
3002|Försäljning inom Sverige, 12 % moms|MP2|
3003|Försäljning inom Sverige, 6 % moms|MP3|
3004|Försäljning inom Sverige, momsfri|MF|
3011|Försäljning tjänster inom Sverige, 25 % moms|MP1|
3014|Försäljning tjänster inom Sverige, momsfri|MF|-
3105|Försäljning varor till land utanför EU|EXP|
3106|Försäljning varor till annat EU-land, momsfri|VTEU|
3108|Försäljning tjänster till annat EU-land|FTEU|
3211|Försäljning positionslager|MP1|-
3231|Försäljning inom byggsektorn, omvänd skattskyldighet moms|OTTU|
3305|Försäljning tjänster till land utanför EU|EXP|
3308|Försäljning tjänster till annat EU-land|FTEU|
3510|Fakturerat emballage|MP1|
3520|Fakturerade frakter|MP1|
3530|Fakturerade tull- och speditionskostnader m.m.|MP1|
3540|Faktureringsavgifter|MP1|
3550|Fakturerade resekostnader|MP1|
3590|Övriga fakturerade kostnader|MP1|
3610|Försäljning av material|MP1|
3730|Lämnade rabatter||
3731|Lämnade kassarabatter||
3732|Lämnade mängdrabatter||
3740|Öres- och kronutjämning||
3750|Punktskatter||-
3900|Övriga rörelseintäkter||
3911|Hyresintäkter|MP1|
3960|Valutakursvinster på fordringar och skulder av rörelsekaraktär||
3970|Vinst vid avyttring av immateriella och materiella anläggningstillgångar||
3980|Erhållna offentliga bidrag||
3990|Övriga ersättningar och intäkter||
4000|Inköp av varor från Sverige||
4010|Inköp material och varor||
4056|Inköp av varor i Sverige, omvänd skattskyldighet, 25 % moms||
4100|Inköp av varor och material||-
4400|Momspliktiga inköp i Sverige||
4415|Inköpta varor i Sverige, omvänd skattskyldighet, 25 % moms||
4425|Inköpta tjänster i Sverige, omvänd skattskyldighet, 25 % moms||
4515|Inköp av varor från annat EU-land, 25 %|IVEU|
4531|Import tjänster land utanför EU, 25 % moms|TFEU|
4535|Inköp av tjänster från annat EU-land, 25 %|TFEU|
4545|Import av varor, 25 % moms|IMP|
4600|Legoarbeten och underentreprenader||
4731|Erhållna kassarabatter||
4732|Erhållna mängdrabatter||
4960|Förändring av lager av handelsvaror||
4990|Lagerförändring||
5010|Lokalhyra||
5011|Hyra för kontorslokaler||
5013|Hyra för lagerlokaler||
5020|El för belysning||
5030|Värme||
5040|Vatten och avlopp||
5050|Lokaltillbehör||
5060|Städning och renhållning||
5070|Reparation och underhåll av lokaler||
5090|Övriga lokalkostnader||
5191|Fastighetsskatt/fastighetsavgift||-
5210|Hyra av maskiner och andra tekniska anläggningar||
5220|Hyra av inventarier och verktyg||
5250|Hyra av datorer||
5290|Övriga hyreskostnader för anläggningstillgångar||
5410|Förbrukningsinventarier||
5420|Programvaror||
5460|Förbrukningsmaterial||
5480|Arbetskläder och skyddsmaterial||
5510|Reparation och underhåll av maskiner och andra tekniska anläggningar||
5520|Reparation och underhåll av inventarier, verktyg och datorer m.m.||
5611|Drivmedel för personbilar||
5612|Försäkring och skatt för personbilar||
5613|Reparation och underhåll av personbilar||
5615|Leasing av personbilar||
5616|Trängselskatt, avdragsgill||
5619|Övriga personbilskostnader||
5710|Frakter, transporter och försäkringar vid varudistribution||
5800|Resekostnader||
5810|Biljetter||
5820|Hyrbilskostnader||
5831|Kost och logi i Sverige||
5832|Kost och logi i utlandet||
5890|Övriga resekostnader||
5910|Annonsering||
5930|Reklamtrycksaker och direktreklam||
5940|Utställningar och mässor||
5990|Övriga kostnader för reklam och PR||
6071|Representation, avdragsgill||
6072|Representation, ej avdragsgill||
6090|Övriga försäljningskostnader||
6110|Kontorsmateriel||
6150|Trycksaker||
6211|Fast telefoni||
6212|Mobiltelefon||
6230|Datakommunikation||
6250|Postbefordran||
6310|Företagsförsäkringar||
6350|Förluster på kundfordringar||
6351|Konstaterade förluster på kundfordringar||
6352|Befarade förluster på kundfordringar||
6420|Ersättningar till revisor||
6421|Revision||
6490|Övriga förvaltningskostnader||
6530|Redovisningstjänster||
6540|IT-tjänster||
6550|Konsultarvoden||
6560|Serviceavgifter till branschorganisationer||
6570|Bankkostnader||
6590|Övriga externa tjänster||
6800|Inhyrd personal||
6910|Licensavgifter och royalties||
6970|Tidningar, tidskrifter och facklitteratur||
6981|Föreningsavgifter, avdragsgilla||
6982|Föreningsavgifter, ej avdragsgilla||
6991|Övriga externa kostnader, avdragsgilla||
6992|Övriga externa kostnader, ej avdragsgilla||
7010|Löner till kollektivanställda||
7011|Löner till kollektivanställda||-
7082|Sjuklöner till kollektivanställda||
7090|Förändring av semesterlöneskuld||
7210|Löner till tjänstemän||
7220|Löner till företagsledare||
7240|Styrelsearvoden som inte är lön||
7290|Förändring av semesterlöneskuld||
7321|Skattefria traktamenten, Sverige||
7322|Skattepliktiga traktamenten, Sverige||
7331|Skattefria bilersättningar||
7332|Skattepliktiga bilersättningar||
7385|Kostnader för fri bil||
7410|Pensionsförsäkringspremier||
7411|Premier för kollektiva pensionsförsäkringar||
7412|Premier för individuella pensionsförsäkringar||
7510|Arbetsgivaravgifter 31,42 %||
7519|Sociala avgifter för semester- och löneskulder||
7530|Särskild löneskatt||
7533|Särskild löneskatt för pensionskostnader||
7570|Premier för arbetsmarknadsförsäkringar||
7610|Utbildning||
7620|Sjuk- och hälsovård||
7631|Personalrepresentation, avdragsgill||
7632|Personalrepresentation, ej avdragsgill||
7690|Övriga personalkostnader||
7699|Övriga personalkostnader||-
7810|Avskrivningar på immateriella anläggningstillgångar||
7820|Avskrivningar på byggnader och markanläggningar||-
7831|Avskrivningar på maskiner och andra tekniska anläggningar||
7832|Avskrivningar på inventarier och verktyg||
7834|Avskrivningar på bilar och andra transportmedel||
7835|Avskrivningar på datorer||
7960|Valutakursförluster på fordringar och skulder av rörelsekaraktär||
7970|Förlust vid avyttring av immateriella och materiella anläggningstillgångar||
8310|Ränteintäkter från omsättningstillgångar||
8311|Ränteintäkter från bank||
8314|Skattefria ränteintäkter||
8330|Valutakursdifferenser på kortfristiga fordringar och placeringar||
8410|Räntekostnader för långfristiga skulder||
8411|Räntekostnader för långfristiga lån||
8420|Räntekostnader för kortfristiga skulder||
8422|Dröjsmålsräntor för leverantörsskulder||
8423|Räntekostnader för skatter och avgifter||
8430|Valutakursdifferenser på skulder||
8490|Övriga skuldrelaterade poster||
8811|Avsättning till periodiseringsfond||
8819|Återföring från periodiseringsfond||
8850|Förändring av överavskrivningar||
8910|Skatt som belastar årets resultat||
8999|Årets resultat||
`;

/** INK2 (aktiebolag) SRU code for an account, from the BAS ranges that feed each line of the return. */
export function sruFor(n: number): number {
  const ranges: [number, number, number][] = [
    [1000, 1099, 7201], [1100, 1199, 7214], [1200, 1299, 7215], [1300, 1399, 7230], [1400, 1469, 7243],
    [1470, 1479, 7244], [1480, 1499, 7245], [1500, 1599, 7251], [1600, 1699, 7261], [1700, 1799, 7263],
    [1800, 1899, 7271], [1900, 1999, 7281], [2000, 2089, 7301], [2090, 2099, 7302], [2100, 2139, 7321],
    [2140, 2199, 7322], [2200, 2299, 7331], [2300, 2329, 7350], [2330, 2339, 7360], [2340, 2399, 7352],
    [2400, 2419, 7361], [2420, 2429, 7362], [2430, 2439, 7363], [2440, 2449, 7365], [2450, 2499, 7369],
    [2500, 2599, 7368], [2600, 2899, 7369], [2900, 2999, 7370], [3000, 3799, 7410], [3800, 3899, 7412],
    [3900, 3999, 7413], [4000, 4899, 7512], [4900, 4999, 7411], [5000, 6999, 7513], [7000, 7699, 7514],
    [7700, 7899, 7515], [7900, 7999, 7517], [8000, 8299, 7414], [8300, 8399, 7417], [8400, 8499, 7522],
    [8800, 8899, 7525], [8900, 8989, 7528], [8990, 8999, 7450],
  ];
  for (const [from, to, sru] of ranges) if (n >= from && n <= to) return sru;
  return 0;
}

export const BAS_ACCOUNTS: readonly BasAccount[] = CHART.trim()
  .split('\n')
  .map((line) => {
    const [number, description, vatCode, flag] = line.split('|') as [string, string, string, string];
    return { number: Number(number), description, vatCode, sru: sruFor(Number(number)), active: flag !== '-' };
  });

const BY_NUMBER = new Map(BAS_ACCOUNTS.map((a) => [a.number, a]));

export function basAccount(number: number): BasAccount {
  const account = BY_NUMBER.get(number);
  if (!account) throw new RangeError(`account ${number} is not in the simulator's chart of accounts`);
  return account;
}

/** Balance-sheet accounts (classes 1 and 2) carry their balance into the next year; the others do not. */
export function isBalanceSheetAccount(number: number): boolean {
  return number < 3000;
}

/** SIE account type: T asset, S liability/equity, I income, K cost. */
export function sieAccountType(number: number): 'T' | 'S' | 'I' | 'K' {
  if (number < 2000) return 'T';
  if (number < 3000) return 'S';
  if (number < 4000 || (number >= 8000 && number < 8400)) return 'I';
  return 'K';
}

/** Output VAT account and sales account per Swedish VAT rate. */
export const VAT_ACCOUNTS = {
  25: { sales: 3001, output: 2611, code: 'MP1' },
  12: { sales: 3002, output: 2621, code: 'MP2' },
  6: { sales: 3003, output: 2631, code: 'MP3' },
} as const;
export type VatRate = keyof typeof VAT_ACCOUNTS;

export const ACCOUNT = {
  customerReceivables: 1510,
  cash: 1910,
  bank: 1930,
  taxAccount: 1630,
  supplierPayables: 2440,
  inputVat: 2641,
  vatSettlement: 2650,
  payrollTax: 2710,
  socialFees: 2731,
  retainedEarnings: 2091,
  yearResult: 2099,
  roundOff: 3740,
  resultOfYear: 8999,
} as const;
