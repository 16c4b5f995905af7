import assert from 'node:assert/strict';
import { it } from 'node:test';
import { lowerBoundRequests, sweepRequests, type CompanyContents } from './lower-bound.ts';
import { selectDataSets } from './run-backup.ts';

const contents: CompanyContents = {
  financialYears: [{ accounts: 1210, voucherSeries: 8, vouchers: 5000 }, { accounts: 0, voucherSeries: 0, vouchers: 0 }],
  customers: 1000, suppliers: 400, articles: 1500, projects: 100, costCenters: 30, invoices: 6000, supplierInvoices: 4000,
  supplierInvoiceFileConnections: 3900, voucherFileConnections: 100, files: 4000,
};

it('counts list pages of 500, a detail where lists are partial, SIE per year, PDFs and files', () => {
  const year1 = 3 + 1210 + 1 + 8 + 10 + 4;
  const year2 = 1 + 1 + 1 + 4; // empty lists still answer one page
  const registers = (2 + 1000) + (1 + 400) + (3 + 1500) + (1 + 100);
  const invoices = 12 + 6000 + 6000;
  assert.equal(lowerBoundRequests(contents), 1 + 1 + year1 + year2 + 1 + registers + invoices + (8 + 4000) + 8 + 1 + 4000);
});

it('counts every list once and one lastmodified page per list that honours it as the sweeps', () => {
  assert.equal(sweepRequests(contents), 1 + 1 + (3 + 1 + 10 + 1) + (1 + 1 + 1 + 1) + 1 + 2 + 1 + 3 + 1 + 12 + 8 + 8 + 1 + 5);
});

it('selects whole groups, by snapshot data set or by the terms’ names, and refuses unknown names', () => {
  assert.deepEqual([...selectDataSets(['invoicepdfs'])].sort(), ['invoicepdfs', 'invoices']);
  assert.ok(selectDataSets(['sie']).has('vouchers'));
  assert.ok(selectDataSets(['suppliers']).has('suppliers'));
  assert.ok(selectDataSets(['supplierInvoices']).has('filecontents'));
  assert.equal(selectDataSets(undefined).size, 18);
  assert.throws(() => selectDataSets(['nope']), /Unknown data set "nope"/);
});
