import type { JsonObject, JsonValue } from '../fortnox/index.ts';
import type { SieVoucher } from '../sie/index.ts';

/**
 * A voucher record in Fortnox's voucher-detail shape, built from the voucher list item (one list page
 * per 500 vouchers) and the SIE 4 #VER block (one request per financial year) instead of one detail
 * request per voucher. Where each field comes from (docs/backup.md has the same table):
 *
 * | field | source |
 * |---|---|
 * | `Year`, `VoucherSeries`, `VoucherNumber` | list item (= #VER series and number) |
 * | `TransactionDate`, `Description` | list item (the #VER date and text say the same) |
 * | `ApprovalState`, `Comments`, `ReferenceNumber`, `ReferenceType` | list item (SIE has none of them) |
 * | `VoucherRows[].Account` | #TRANS account (number) |
 * | `VoucherRows[].Debit` / `Credit` | #TRANS amount: positive → Debit, negative → Credit, the other 0 |
 * | `VoucherRows[].CostCenter` / `Project` | #TRANS object list, dimension 1 / 6, else `""` |
 * | `VoucherRows[].Description` | the account's name in the year's chart of accounts (`/3/accounts`), as Fortnox fills it |
 * | `VoucherRows[].TransactionInformation` | #TRANS transaction text, else `""` |
 * | `VoucherRows[].Quantity` | #TRANS quantity, else 0 |
 * | `VoucherRows[].Removed` | false for #TRANS, true for #BTRANS (struck-out rows); #RTRANS rows are skipped, their #TRANS copy follows |
 *
 * SIE cannot give the voucher-level `CostCenter` and `Project` (Fortnox's detail has them, usually `""`):
 * they are left out rather than invented, and the voucher sample reports any voucher where they are set.
 */
export const FIELDS_SIE_CANNOT_GIVE: readonly string[] = ['CostCenter', 'Project'];

export function voucherFromSie(item: JsonObject, sie: SieVoucher, accountNames: ReadonlyMap<string, string>): JsonObject {
  const rows: JsonValue[] = [];
  for (const row of sie.rows) {
    if (row.kind === 'RTRANS') continue;
    const ore = row.amount;
    const kronor = (o: bigint): number => Number(o) / 100;
    rows.push({
      Account: Number(row.account),
      CostCenter: row.objects.find((o) => o.dimension === 1)?.id ?? '',
      Credit: ore < 0n ? kronor(-ore) : 0,
      Debit: ore > 0n ? kronor(ore) : 0,
      Description: accountNames.get(row.account) ?? '',
      Project: row.objects.find((o) => o.dimension === 6)?.id ?? '',
      Quantity: row.quantity === undefined || !Number.isFinite(Number(row.quantity)) ? 0 : Number(row.quantity),
      Removed: row.kind === 'BTRANS',
      TransactionInformation: row.text ?? '',
    });
  }
  const record: JsonObject = {};
  for (const [k, v] of Object.entries(item)) if (!k.startsWith('@')) record[k] = v;
  record.VoucherRows = rows;
  return record;
}

/**
 * Field-by-field differences between a voucher built from SIE and Fortnox's detail, as readable
 * strings (`VoucherRows[2].Debit: 100 ≠ 1000`). Voucher-level fields SIE cannot give are reported only
 * when the detail has a value in them.
 */
export function voucherDifferences(built: JsonObject, detail: JsonObject): string[] {
  const out: string[] = [];
  for (const f of FIELDS_SIE_CANNOT_GIVE) {
    const v = detail[f];
    if (v !== undefined && v !== null && v !== '' && !(f in built)) out.push(`${f}: not in SIE, Fortnox has ${JSON.stringify(v)}`);
  }
  const compare = (path: string, a: JsonValue | undefined, b: JsonValue | undefined): void => {
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) out.push(`${path}: ${a.length} rows ≠ ${b.length}`);
      for (let i = 0; i < Math.min(a.length, b.length); i++) compare(`${path}[${i}]`, a[i], b[i]);
      return;
    }
    if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (k.startsWith('@') || (path === '' && FIELDS_SIE_CANNOT_GIVE.includes(k))) continue;
        compare(path === '' ? k : `${path}.${k}`, a[k], b[k]);
      }
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  };
  compare('', built, detail);
  return out;
}
