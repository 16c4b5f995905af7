/**
 * The data side of the simulator as the HTTP layer sees it: company generation, a simulated business
 * day, SIE export and invoice PDFs. An interface so tests can hand the Simulator another kit.
 */
import { generateCompany, type GenerateOptions } from './generate.ts';
import { simulateBusinessDay } from './business-day.ts';
import { exportSie } from './sie-export.ts';
import { invoicePdf } from './documents.ts';
import type { FortnoxRecord, SimCompany } from './model.ts';
import type { Random } from './random.ts';

export interface CompanyKit {
  generateCompany(options: GenerateOptions): SimCompany;
  simulateBusinessDay(company: SimCompany, rnd: Random, dayStart: number): unknown;
  exportSie(company: SimCompany, type: 1 | 2 | 3 | 4, financialYearId: number, generatedAt: number): Buffer;
  invoicePdf(company: SimCompany, invoice: FortnoxRecord): Buffer;
}

export const KIT: CompanyKit = { generateCompany, simulateBusinessDay, exportSie, invoicePdf };
