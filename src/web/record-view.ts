/**
 * A record as readable HTML: every field in a definition list, nested objects as nested lists, arrays of
 * rows (invoice rows, voucher rows) as tables; a voucher's rows with their debit and credit sums; and a
 * field-level diff between two versions.
 */
import type { FieldChange } from '../cli/json-diff.ts';
import { html, type SafeHtml } from './html.ts';
import { formatNumber, messages, type Locale } from '../i18n.ts';
import { fieldLabel } from './field-labels.ts';
import { rowsTotal, type JsonObject } from './record-columns.ts';

const m = messages(
  {
    yes: 'Ja',
    no: 'Nej',
    empty: '(tom)',
    field: 'Fält',
    value: 'Värde',
    before: 'Före',
    after: 'Efter',
    account: 'Konto',
    description: 'Beskrivning',
    debit: 'Debet',
    credit: 'Kredit',
    sum: 'Summa',
    balanced: 'Balanserar',
    unbalanced: 'Balanserar inte (skillnad {diff})',
    rows: 'Rader',
    noChanges: 'Inga fält skiljer sig mellan versionerna.',
    absent: '(saknas)',
  },
  {
    yes: 'Yes',
    no: 'No',
    empty: '(empty)',
    field: 'Field',
    value: 'Value',
    before: 'Before',
    after: 'After',
    account: 'Account',
    description: 'Description',
    debit: 'Debit',
    credit: 'Credit',
    sum: 'Total',
    balanced: 'Balanced',
    unbalanced: 'Not balanced (difference {diff})',
    rows: 'Rows',
    noChanges: 'No field differs between the versions.',
    absent: '(absent)',
  },
);

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function scalar(locale: Locale, v: unknown): SafeHtml {
  const t = m(locale);
  // Null, absent and empty all read as "nothing" to a user.
  if (v === null || v === undefined || v === '') return html`<span class="muted" title="${t('empty')}">–</span>`;
  if (typeof v === 'boolean') return html`${v ? t('yes') : t('no')}`;
  if (typeof v === 'number') return html`${formatNumber(locale, v)}`;
  if (typeof v === 'string') return html`${v}`;
  return html`<code>${JSON.stringify(v)}</code>`;
}

/** Any JSON value, nested as deep as it goes. */
export function renderValue(locale: Locale, v: unknown): SafeHtml {
  if (Array.isArray(v)) {
    if (v.length === 0) return html`<span class="muted">[]</span>`;
    if (v.every(isObject)) return rowsTable(locale, v);
    return html`${v.map((x, i) => html`${i > 0 ? ', ' : ''}${scalar(locale, x)}`)}`;
  }
  if (isObject(v)) return renderFields(locale, v);
  return scalar(locale, v);
}

/** A record's fields as a definition list, leaving out `omit` (shown elsewhere on the page). */
export function renderFields(locale: Locale, record: JsonObject, omit: readonly string[] = []): SafeHtml {
  const keys = Object.keys(record).filter((k) => !omit.includes(k));
  return html`<dl class="facts record-fields">${keys.map((k) => html`<dt>${fieldName(locale, k)}</dt><dd>${renderValue(locale, record[k])}</dd>`)}</dl>`;
}

/** Fortnox's name for a field in the interface, with the API's name beside it (what exports and CSV use). */
function fieldName(locale: Locale, key: string): SafeHtml {
  const label = fieldLabel(locale, key);
  return label === undefined || label === key ? html`${key}` : html`${label} <span class="field-key">${key}</span>`;
}

function rowsTable(locale: Locale, rows: readonly JsonObject[]): SafeHtml {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return html`<div class="table-wrap"><table class="rows">
<thead><tr><th scope="col">#</th>${columns.map((c) => html`<th scope="col">${fieldLabel(locale, c) ?? c}</th>`)}</tr></thead>
<tbody>${rows.map((r, i) => html`<tr><td class="num">${i + 1}</td>${columns.map((c) => html`<td${typeof r[c] === 'number' ? html` class="num"` : ''}>${renderValue(locale, r[c])}</td>`)}</tr>`)}</tbody>
</table></div>`;
}

/** Voucher (or supplier invoice) rows: account, description, debit, credit, with the sums and whether they balance. */
export function voucherRowsTable(locale: Locale, rows: unknown, caption: string): SafeHtml {
  const t = m(locale);
  const list = Array.isArray(rows) ? (rows as unknown[]).filter(isObject) : [];
  const debit = rowsTotal(list, 'Debit');
  const credit = rowsTotal(list, 'Credit');
  const diff = Math.round((debit - credit) * 100) / 100;
  const money = (v: unknown): string => (typeof v === 'number' ? (v === 0 ? '' : formatNumber(locale, v)) : typeof v === 'string' && v !== '' && v !== '0' ? formatNumber(locale, Number(v)) : '');
  return html`<div class="table-wrap"><table class="voucher-rows">
<caption>${caption}</caption>
<thead><tr><th scope="col">${t('account')}</th><th scope="col">${t('description')}</th><th scope="col" class="num">${t('debit')}</th><th scope="col" class="num">${t('credit')}</th></tr></thead>
<tbody>${list.map((r) => html`<tr${r.Removed === true ? html` class="diff-removed"` : ''}><td>${String(r.Account as string)}</td><td>${typeof r.Description === 'string' ? r.Description : typeof r.AccountDescription === 'string' ? r.AccountDescription : ''}${typeof r.TransactionInformation === 'string' && r.TransactionInformation !== '' ? html` <span class="muted">(${r.TransactionInformation})</span>` : ''}</td><td class="num">${money(r.Debit)}</td><td class="num">${money(r.Credit)}</td></tr>`)}</tbody>
<tfoot><tr><th scope="row" colspan="2">${t('sum')} <span class="badge ${diff === 0 ? 'ok' : 'bad'}">${diff === 0 ? t('balanced') : t('unbalanced', { diff: formatNumber(locale, diff) })}</span></th><td class="num" data-sum="debit">${formatNumber(locale, debit)}</td><td class="num" data-sum="credit">${formatNumber(locale, credit)}</td></tr></tfoot>
</table></div>`;
}

/** A changed field's path (`InvoiceRows[2].Price`) with the leaf's interface name when there is one. */
function pathName(locale: Locale, path: string): SafeHtml {
  const leaf = /([A-Za-z0-9_]+)$/.exec(path)?.[1] ?? path;
  const label = fieldLabel(locale, leaf);
  return label === undefined || label === leaf ? html`<code>${path}</code>` : html`${label} <code class="field-key">${path}</code>`;
}

/** Field, before, after: one row per changed leaf (`Rows[2].Price`). */
export function diffTable(locale: Locale, changes: readonly FieldChange[]): SafeHtml {
  const t = m(locale);
  if (changes.length === 0) return html`<p>${t('noChanges')}</p>`;
  const side = (c: FieldChange, which: 'from' | 'to'): SafeHtml => (which in c ? renderValue(locale, c[which]) : html`<span class="muted">${t('absent')}</span>`);
  return html`<div class="table-wrap"><table class="diff">
<thead><tr><th scope="col">${t('field')}</th><th scope="col">${t('before')}</th><th scope="col">${t('after')}</th></tr></thead>
<tbody>${changes.map((c) => html`<tr><th scope="row">${pathName(locale, c.path)}</th><td class="${'from' in c ? 'diff-removed' : ''}">${side(c, 'from')}</td><td class="${'to' in c ? 'diff-added' : ''}">${side(c, 'to')}</td></tr>`)}</tbody>
</table></div>`;
}
