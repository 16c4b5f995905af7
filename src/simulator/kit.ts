/**
 * The data side of the simulator, written by the data generator's owner: company generation, a
 * simulated business day, SIE export and invoice PDFs. Loaded by name so the HTTP layer builds and
 * runs before those modules exist; until then a small fixture company and minimal SIE/PDF stand in.
 */
import { text } from './values.ts';
import type { FortnoxRecord, SimCompany, SimulatorSize } from './model.ts';
import type { Random } from './random.ts';

export interface GenerateOptions {
  seed: number;
  size: SimulatorSize;
  index: number;
  tenantId: number;
  now: number;
}

export interface CompanyKit {
  generateCompany(options: GenerateOptions): SimCompany;
  simulateBusinessDay(company: SimCompany, rnd: Random, dayStart: number): unknown;
  exportSie(company: SimCompany, type: 1 | 2 | 3 | 4, financialYearId: number, generatedAt: number): Buffer;
  invoicePdf(company: SimCompany, invoice: FortnoxRecord): Buffer;
  /** Which parts are the stand-ins (for the CLI's start-up message and the docs). */
  standIns: string[];
}

type Module = Record<string, unknown>;

async function optional(specifier: string): Promise<Module | undefined> {
  try {
    return (await import(specifier)) as Module;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && text((err as Error).message).includes(specifier.slice(2))) return undefined;
    throw err;
  }
}

function fn<T>(mod: Module | undefined, ...names: string[]): T | undefined {
  for (const n of names) if (typeof mod?.[n] === 'function') return mod[n] as T;
  return undefined;
}

let loaded: Promise<CompanyKit> | undefined;

export function loadKit(): Promise<CompanyKit> {
  loaded ??= (async () => {
    const standIns: string[] = [];
    const [gen, day, sie, docs] = await Promise.all(['./generate.ts', './business-day.ts', './sie-export.ts', './documents.ts'].map((s) => optional(s)));
    let generateCompany = fn<CompanyKit['generateCompany']>(gen, 'generateCompany');
    if (generateCompany === undefined) {
      standIns.push('generateCompany');
      const fixture = (await import('./fixture.test-support.ts')).fixtureCompany;
      generateCompany = (o) => fixture({ tenantId: o.tenantId, now: o.now, index: o.index });
    }
    let simulateBusinessDay = fn<CompanyKit['simulateBusinessDay']>(day, 'simulateBusinessDay');
    if (simulateBusinessDay === undefined) {
      standIns.push('simulateBusinessDay');
      simulateBusinessDay = (_c, _r, dayStart) => ({ dayStart, changes: 0, note: 'business-day.ts is not available yet' });
    }
    let exportSie = fn<CompanyKit['exportSie']>(sie, 'exportSie');
    if (exportSie === undefined) {
      standIns.push('exportSie');
      exportSie = minimalSie;
    }
    let invoicePdf = fn<CompanyKit['invoicePdf']>(docs, 'invoicePdf', 'renderInvoicePdf', 'invoicePreviewPdf');
    if (invoicePdf === undefined) {
      standIns.push('invoicePdf');
      invoicePdf = minimalPdf;
    }
    return { generateCompany, simulateBusinessDay, exportSie, invoicePdf, standIns };
  })();
  return loaded;
}

function minimalSie(company: SimCompany, type: 1 | 2 | 3 | 4, financialYearId: number): Buffer {
  const year = company.financialYears.find((y) => y.data.Id === financialYearId)?.data;
  const lines = ['#FLAGGA 0', '#FORMAT PC8', `#SIETYP ${type}`, '#PROGRAM "Noxbackup simulator" 1', `#FNAMN "${text(company.info.CompanyName)}"`,
    `#ORGNR ${text(company.info.OrganizationNumber)}`, `#RAR 0 ${text(year?.FromDate ?? '').replaceAll('-', '')} ${text(year?.ToDate ?? '').replaceAll('-', '')}`];
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
}

function minimalPdf(_company: SimCompany, invoice: FortnoxRecord): Buffer {
  return Buffer.from(`%PDF-1.4\n% Faktura ${text(invoice.DocumentNumber)}\n%%EOF\n`, 'latin1');
}
