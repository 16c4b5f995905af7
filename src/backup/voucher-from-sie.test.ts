import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { JsonObject } from '../fortnox/index.ts';
import { parseSie } from '../sie/index.ts';
import { voucherDifferences, voucherFromSie } from './voucher-from-sie.ts';

const SIE = `#FLAGGA 0
#SIETYP 4
#DIM 1 "Kostnadsställe"
#DIM 6 "Projekt"
#RAR 0 20260501 20270430
#KONTO 5420 "Programvaror"
#KONTO 1930 "Företagskonto"
#VER A 1 20260625 "Omföring juni 2026" 20260626
{
   #TRANS 5420 {1 "EKO" 6 "4"} 4262.00 "" "Från ADM" 0
   #TRANS 5420 {1 "ADM"} -4262.00 "" "Till EKO" 0
   #BTRANS 1930 {} -1.50 "" "" 2
}
`;

const item = { '@url': 'u', ApprovalState: 0, Comments: 'Fördelning', Description: 'Omföring juni 2026', ReferenceNumber: '', ReferenceType: 'MANUAL', TransactionDate: '2026-06-25', VoucherNumber: 1, VoucherSeries: 'A', Year: 4 };

it('builds a voucher in the shape of Fortnox’s detail from the list item and the SIE rows', () => {
  const v = parseSie(Buffer.from(SIE, 'utf8')).document.vouchers[0]!;
  const built = voucherFromSie(item, v, new Map([['5420', 'Programvaror'], ['1930', 'Företagskonto']]));
  assert.deepEqual(built, {
    ApprovalState: 0, Comments: 'Fördelning', Description: 'Omföring juni 2026', ReferenceNumber: '', ReferenceType: 'MANUAL', TransactionDate: '2026-06-25', VoucherNumber: 1, VoucherSeries: 'A', Year: 4,
    VoucherRows: [
      { Account: 5420, CostCenter: 'EKO', Credit: 0, Debit: 4262, Description: 'Programvaror', Project: '4', Quantity: 0, Removed: false, TransactionInformation: 'Från ADM' },
      { Account: 5420, CostCenter: 'ADM', Credit: 4262, Debit: 0, Description: 'Programvaror', Project: '', Quantity: 0, Removed: false, TransactionInformation: 'Till EKO' },
      { Account: 1930, CostCenter: '', Credit: 1.5, Debit: 0, Description: 'Företagskonto', Project: '', Quantity: 2, Removed: true, TransactionInformation: '' },
    ],
  });
});

it('reports field differences, and voucher-level fields SIE cannot carry only when Fortnox has them set', () => {
  const v = parseSie(Buffer.from(SIE, 'utf8')).document.vouchers[0]!;
  const built = voucherFromSie(item, v, new Map([['5420', 'Programvaror'], ['1930', 'Företagskonto']]));
  const detail = { ...built, CostCenter: '', Project: '' };
  assert.deepEqual(voucherDifferences(built, detail), []);
  const rows = (built.VoucherRows as JsonObject[]).map((r, i) => (i === 0 ? { ...r, Debit: 4263 } : r));
  assert.deepEqual(voucherDifferences(built, { ...detail, VoucherRows: rows, Project: '7' }), ['Project: not in SIE, Fortnox has "7"', 'VoucherRows[0].Debit: 4262 ≠ 4263']);
});
