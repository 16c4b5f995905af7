import { TERMS_DATASETS } from '../backup/layout.ts';
import type { SnapshotInfo } from '../repository/manifest.ts';

/** README.txt of an export, in Swedish: what the ZIP holds and how to open it. CRLF, for Notepad. */
export function readmeText(input: {
  company: { name: string | null; organisationNumber: string | null };
  snapshot: SnapshotInfo;
  exportedAt: Date;
  datasets: Readonly<Record<string, { records: number; complete: boolean; incompleteReason?: string }>>;
  notInSnapshot: readonly string[];
}): string {
  const { company, snapshot, exportedAt, datasets } = input;
  const who = [company.name, company.organisationNumber].filter((x) => x !== null).join(', ') || `tenant ${snapshot.tenant}`;
  const groupOf = (ds: string): string => Object.values(TERMS_DATASETS).find((g) => g.datasets.includes(ds as never))?.sv ?? ds;
  const lines = [
    `Export från Noxbackup`,
    `=====================`,
    ``,
    `Företag:      ${who}`,
    `Ögonblicksbild (snapshot): ${snapshot.id}`,
    `Säkerhetskopian togs:      ${snapshot.time}`,
    `Exporten skapades:         ${exportedAt.toISOString()}`,
    ``,
    `Innehåll`,
    `--------`,
    `data/<datamängd>.json   Posterna exakt som de hämtades från Fortnox, som en JSON-lista.`,
    `                        Belopp och andra tal står som Fortnox skrev dem.`,
    `csv/<datamängd>.csv     Samma poster för Excel: UTF-8, semikolon som avgränsare, decimalkomma.`,
    `                        Rader (fakturarader, verifikationsrader, leverantörsfakturarader) ligger`,
    `                        i egna filer, csv/<datamängd>_rader.csv, med postens nyckel i första kolumnen.`,
    `                        Celler som börjar med = + - @ har fått en apostrof (') först, så att Excel`,
    `                        inte tolkar dem som formler.`,
    `sie/                    SIE-filerna per räkenskapsår och typ (1–4), byte för byte som Fortnox`,
    `                        levererade dem (teckenkodning PC8/CP437). Kan läsas in i de flesta`,
    `                        bokföringsprogram.`,
    `filer/                  Filer kopplade till leverantörsfakturor och verifikationer (kvitton,`,
    `                        fakturor), med sina ursprungliga namn. Tecken som inte får förekomma i`,
    `                        filnamn har ersatts med _, och lika namn har fått (2), (3) …`,
    `fakturor/               Kundfakturor som PDF, faktura_<fakturanummer>.pdf.`,
    `manifest.json           Förteckning över alla filer med storlek och SHA-256-kontrollsumma, så`,
    `                        att du kan kontrollera att inget har ändrats (t.ex. sha256sum på Linux,`,
    `                        Get-FileHash i PowerShell).`,
    ``,
    `Datamängder i exporten`,
    `----------------------`,
    ...Object.entries(datasets).map(
      ([ds, d]) => `${ds.padEnd(32)} ${String(d.records).padStart(8)} st  (${groupOf(ds)})${d.complete ? '' : `  OFULLSTÄNDIG: ${d.incompleteReason ?? 'hämtningen avbröts'}`}`,
    ),
    ...(input.notInSnapshot.length > 0 ? [``, `Fanns inte i säkerhetskopian: ${input.notInSnapshot.join(', ')}`] : []),
    ``,
    `Enligt bokföringslagen ska räkenskapsinformation sparas i sju år efter utgången av det`,
    `kalenderår då räkenskapsåret avslutades. Spara den här filen på ett säkert ställe.`,
    ``,
  ];
  return lines.join('\r\n');
}
