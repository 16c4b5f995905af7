/**
 * The backup browser: a company's snapshots over time and what changed in each, its data sets at a
 * snapshot as searchable, paged tables, a record's page with its history and a field-level diff between
 * versions, and downloads of attachments, invoice PDFs and SIE files. Every page is also JSON under
 * `/api/v1`. Everything is read for `company(request)` only: snapshots and records through the index
 * with that tenant id, bytes from that tenant's repository.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audit } from '../../accounts/audit.ts';
import { ATTACHMENT_DATASETS, RECORD_DATASETS, type SnapshotDataSet } from '../../backup/layout.ts';
import { diffJson, type FieldChange } from '../../cli/json-diff.ts';
import { diffSnapshots, listSnapshots, recordHistory, type RecordVersion, type SnapshotRef } from '../../db/index.ts';
import {
  attachmentSummary,
  connectedFiles,
  contentDisposition,
  openDownload,
  readJson,
  requireDataset,
  requireSnapshot,
  resolveSnapshot,
  SEARCH_WINDOW,
  tablePage,
  versionAt,
  type ConnectedFile,
} from '../browse-data.ts';
import type { WebContext } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatBytes, formatDateTime, formatNumber, messages, type Locale } from '../../i18n.ts';
import { notice, sendPage } from '../layout.ts';
import { datasetColumns, datasetName, isAttachmentDataset, type JsonObject } from '../record-columns.ts';
import { diffTable, renderFields, voucherRowsTable } from '../record-view.ts';
import { clientIp, company, notFound, signedIn } from '../request-context.ts';

const m = messages(
  {
    snapshots: 'Säkerhetskopior',
    snapshotsLead: 'Varje säkerhetskopia är en fullständig bild av företagets Fortnox-data vid den tidpunkten. Nyast först.',
    noSnapshots: 'Det finns ingen säkerhetskopia ännu. Den första tas när företaget har anslutits.',
    time: 'Tid',
    run: 'Körning',
    records: 'Poster',
    complete: 'Komplett',
    incomplete: 'Ofullständig',
    incompleteSets: 'Ofullständig: {sets}',
    changes: 'Ändringar',
    added: 'Tillagda',
    changed: 'Ändrade',
    removed: 'Borttagna',
    changeCounts: '+{added} / ~{changed} / −{removed}',
    first: 'Första säkerhetskopian',
    browseAt: 'Bläddra',
    whatChanged: 'Vad ändrades',
    older: 'Äldre säkerhetskopior',
    newest: 'Till de senaste',
    pager: 'Sidor',
    perDataset: 'Poster per datamängd',
    changesTitle: 'Ändringar i säkerhetskopian {time}',
    changesLead: 'Jämfört med säkerhetskopian {from}.',
    changesFirst: 'Detta är den första säkerhetskopian; det finns inget att jämföra med.',
    noChanges: 'Inga poster ändrades mellan säkerhetskopiorna.',
    dataset: 'Datamängd',
    allDatasets: 'Alla datamängder',
    kind: 'Ändring',
    key: 'Nyckel',
    show: 'Visa',
    diff: 'Jämför',
    page: 'Sida {page} av {pages}',
    previous: 'Föregående',
    next: 'Nästa',
    firstPage: 'Första sidan',
    browse: 'Bläddra i säkerhetskopian',
    browseLead: 'Säkerhetskopian från {time}. Välj en datamängd.',
    otherSnapshot: 'Välj en annan säkerhetskopia',
    count: 'Antal',
    status: 'Status',
    datasetTitle: '{name}',
    datasetLead: '{count} poster i säkerhetskopian från {time}.',
    incompleteNote: 'Säkerhetskopian nådde inte alla poster i denna datamängd; för de övriga visas den senast kända versionen.',
    search: 'Sök',
    searchIn: 'Sök i',
    searchText: 'Visade kolumner och nyckel ({window} poster per sökning)',
    searchKey: 'Bara nyckeln (hela datamängden)',
    searchButton: 'Sök',
    clear: 'Rensa',
    searchCoversText: 'Sökningen letar efter ”{q}” i nyckeln och de visade kolumnerna. Den går igenom högst {window} poster åt gången: den här sidan gick igenom {scanned} poster. Fortsätt med ”Nästa” för att söka vidare.',
    searchCoversKey: 'Sökningen letar efter poster vars nyckel innehåller ”{q}”, i hela datamängden. Namn och andra fält söks inte; välj ”Visade kolumner” för det.',
    noRows: 'Inga poster på denna sida.',
    noMatches: 'Inga träffar i de poster som gicks igenom.',
    open: 'Öppna',
    download: 'Ladda ned',
    recordTitle: '{dataset} {key}',
    recordLead: 'Som posten såg ut i säkerhetskopian från {time}.',
    notCurrent: 'Detta är inte den senaste säkerhetskopian.',
    fields: 'Alla fält',
    voucherRows: 'Konteringsrader',
    attachments: 'Bilagor och PDF',
    noAttachments: 'Inga kopplade filer i denna säkerhetskopia.',
    attachmentsTruncated: 'Företaget har fler filkopplingar än vi går igenom här ({limit}); alla filer finns under Filinnehåll.',
    notStored: '(filen finns inte i säkerhetskopian)',
    history: 'Historik',
    version: 'Version',
    from: 'Från',
    to: 'Till',
    current: 'aktuell',
    deletedBetween: 'Posten var borttagen och skapades igen.',
    showVersion: 'Visa',
    compareWithPrevious: 'Jämför med föregående',
    thisVersion: '(denna)',
    diffTitle: 'Ändringar i {dataset} {key}',
    diffLead: 'Från säkerhetskopian {from} till {to}.',
    diffNoPrevious: 'Posten har bara en version fram till denna säkerhetskopia; det finns inget att jämföra med.',
    diffMissing: 'Posten fanns inte i säkerhetskopian {time}.',
    backToRecord: 'Till posten',
    size: 'Storlek',
    fileAt: 'Filen som den var i säkerhetskopian från {time}.',
  },
  {
    snapshots: 'Backups',
    snapshotsLead: 'Each backup is a complete picture of the company\'s Fortnox data at that time. Newest first.',
    noSnapshots: 'There is no backup yet. The first one is taken once the company is connected.',
    time: 'Time',
    run: 'Run',
    records: 'Records',
    complete: 'Complete',
    incomplete: 'Incomplete',
    incompleteSets: 'Incomplete: {sets}',
    changes: 'Changes',
    added: 'Added',
    changed: 'Changed',
    removed: 'Removed',
    changeCounts: '+{added} / ~{changed} / −{removed}',
    first: 'First backup',
    browseAt: 'Browse',
    whatChanged: 'What changed',
    older: 'Older backups',
    newest: 'Back to the newest',
    pager: 'Pages',
    perDataset: 'Records per data set',
    changesTitle: 'Changes in the backup of {time}',
    changesLead: 'Compared with the backup of {from}.',
    changesFirst: 'This is the first backup; there is nothing to compare it with.',
    noChanges: 'No record changed between the backups.',
    dataset: 'Data set',
    allDatasets: 'All data sets',
    kind: 'Change',
    key: 'Key',
    show: 'Show',
    diff: 'Compare',
    page: 'Page {page} of {pages}',
    previous: 'Previous',
    next: 'Next',
    firstPage: 'First page',
    browse: 'Browse the backup',
    browseLead: 'The backup of {time}. Choose a data set.',
    otherSnapshot: 'Choose another backup',
    count: 'Records',
    status: 'Status',
    datasetTitle: '{name}',
    datasetLead: '{count} records in the backup of {time}.',
    incompleteNote: 'The backup did not reach every record of this data set; the last known version is shown for the others.',
    search: 'Search',
    searchIn: 'Search in',
    searchText: 'Shown columns and key ({window} records per search)',
    searchKey: 'Key only (whole data set)',
    searchButton: 'Search',
    clear: 'Clear',
    searchCoversText: 'The search looks for “{q}” in the key and the shown columns. It reads at most {window} records at a time: this page read {scanned}. Continue with “Next” to search further.',
    searchCoversKey: 'The search looks for records whose key contains “{q}”, in the whole data set. Names and other fields are not searched; choose “Shown columns” for that.',
    noRows: 'No records on this page.',
    noMatches: 'No matches in the records read.',
    open: 'Open',
    download: 'Download',
    recordTitle: '{dataset} {key}',
    recordLead: 'As the record was in the backup of {time}.',
    notCurrent: 'This is not the latest backup.',
    fields: 'All fields',
    voucherRows: 'Rows',
    attachments: 'Attachments and PDF',
    noAttachments: 'No connected files in this backup.',
    attachmentsTruncated: 'The company has more file connections than are looked through here ({limit}); every file is under File contents.',
    notStored: '(the file is not in the backup)',
    history: 'History',
    version: 'Version',
    from: 'From',
    to: 'To',
    current: 'current',
    deletedBetween: 'The record was deleted and created again.',
    showVersion: 'Show',
    compareWithPrevious: 'Compare with the previous',
    thisVersion: '(this one)',
    diffTitle: 'Changes to {dataset} {key}',
    diffLead: 'From the backup of {from} to that of {to}.',
    diffNoPrevious: 'The record has only one version up to this backup; there is nothing to compare it with.',
    diffMissing: 'The record was not in the backup of {time}.',
    backToRecord: 'Back to the record',
    size: 'Size',
    fileAt: 'The file as it was in the backup of {time}.',
  },
);

const SNAPSHOTS_PER_PAGE = 20;
const CHANGES_PER_PAGE = 100;
/** How far back "Previous" reaches in a data set's table (the trail of cursors rides in the URL). */
const MAX_TRAIL = 100;
const ORDERED_DATASETS: readonly SnapshotDataSet[] = [...RECORD_DATASETS, ...ATTACHMENT_DATASETS];

type Query = Record<string, string | string[] | undefined>;

function one(request: FastifyRequest, name: string): string | undefined {
  const v = (request.query as Query | undefined)?.[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined ? undefined : s.trim();
}

function many(request: FastifyRequest, name: string): string[] {
  const v = (request.query as Query | undefined)?.[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9][0-9]{0,9}$/.test(value)) return undefined;
  return Number(value);
}

const base = (request: FastifyRequest): string => `/companies/${company(request).id}`;
const href = (path: string, query: Record<string, string | string[] | undefined>): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const one of v === undefined ? [] : Array.isArray(v) ? v : [v]) params.append(k, one);
  const qs = params.toString();
  return qs === '' ? path : `${path}?${qs}`;
};
const recordPath = (request: FastifyRequest, dataset: string, key: string): string => `${base(request)}/records/${dataset}/${encodeURIComponent(key)}`;
const filePath = (request: FastifyRequest, dataset: string, key: string): string => `${base(request)}/files/${dataset}/${encodeURIComponent(key)}`;
const refJson = (r: SnapshotRef) => ({ snapshotId: r.snapshotId, seq: r.seq, createdAt: r.createdAt });

async function auditAccess(ctx: WebContext, request: FastifyRequest, action: string, target: string, details: Record<string, unknown>): Promise<void> {
  const auth = signedIn(request);
  await audit(ctx.app.db, { orgId: auth.org.id, tenantId: company(request).id, userId: auth.user.id, userEmail: auth.user.email, action, target, details, ip: clientIp(request), at: ctx.now() });
}

// ---- data (the JSON API returns these; the pages render them) ---------------------------------------

async function snapshotsData(ctx: WebContext, request: FastifyRequest) {
  const tenantId = company(request).id;
  const before = positiveInt(one(request, 'before'));
  // One more than the page: the last visible snapshot's parent, and whether there are older ones.
  const rows = await listSnapshots(ctx.app.db, tenantId, { limit: SNAPSHOTS_PER_PAGE + 1, ...(before === undefined ? {} : { beforeSeq: before }) });
  const visible = rows.slice(0, SNAPSHOTS_PER_PAGE);
  const snapshots = await Promise.all(
    visible.map(async (s, i) => {
      const parent = rows[i + 1];
      const diff = parent === undefined ? undefined : await diffSnapshots(ctx.app.db, tenantId, parent.snapshotId, s.snapshotId);
      const perDataset: Record<string, { added: number; changed: number; removed: number }> = {};
      const bump = (dataset: string, kind: 'added' | 'changed' | 'removed'): void => {
        (perDataset[dataset] ??= { added: 0, changed: 0, removed: 0 })[kind]++;
      };
      for (const kind of ['added', 'changed', 'removed'] as const) for (const c of diff?.[kind] ?? []) bump(c.dataset, kind);
      return {
        snapshotId: s.snapshotId,
        seq: s.seq,
        createdAt: s.createdAt,
        runId: s.runId,
        records: s.datasets.reduce((n, d) => n + d.count, 0),
        complete: s.datasets.every((d) => d.complete),
        datasets: s.datasets.map((d) => ({ dataset: d.dataset, count: d.count, complete: d.complete })),
        parentSnapshotId: parent?.snapshotId ?? null,
        changes: diff === undefined ? null : { added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length, perDataset },
      };
    }),
  );
  return { snapshots, nextBefore: rows.length > SNAPSHOTS_PER_PAGE ? (visible.at(-1)?.seq ?? null) : null };
}

type ChangeKind = 'added' | 'changed' | 'removed';

async function changesData(ctx: WebContext, request: FastifyRequest) {
  const tenantId = company(request).id;
  const snap = await requireSnapshot(ctx.app, tenantId, (request.params as { snapshotId: string }).snapshotId);
  const fromId = one(request, 'from');
  const from = fromId !== undefined && fromId !== '' ? await requireSnapshot(ctx.app, tenantId, fromId) : (await listSnapshots(ctx.app.db, tenantId, { beforeSeq: snap.seq, limit: 1 }))[0];
  const datasetFilter = one(request, 'dataset');
  const dataset = datasetFilter === undefined || datasetFilter === '' ? undefined : requireDataset(datasetFilter);
  const pageNo = positiveInt(one(request, 'page')) ?? 1;
  const snapJson = { snapshotId: snap.snapshotId, seq: snap.seq, createdAt: snap.createdAt };
  if (from === undefined) return { snapshot: snapJson, from: null, dataset: dataset ?? null, summary: [], total: 0, page: 1, pages: 1, changes: [] };
  const diff = await diffSnapshots(ctx.app.db, tenantId, from.snapshotId, snap.snapshotId, dataset);
  const all: { dataset: string; key: string; kind: ChangeKind }[] = [
    ...diff.added.map((c) => ({ dataset: c.dataset, key: c.key, kind: 'added' as const })),
    ...diff.changed.map((c) => ({ dataset: c.dataset, key: c.key, kind: 'changed' as const })),
    ...diff.removed.map((c) => ({ dataset: c.dataset, key: c.key, kind: 'removed' as const })),
  ];
  const order = new Map(ORDERED_DATASETS.map((d, i) => [d as string, i]));
  const kinds: Record<ChangeKind, number> = { added: 0, changed: 1, removed: 2 };
  // diffSnapshots sorts each list by data set and key; keep that within a data set, grouped by kind.
  all.sort((a, b) => (order.get(a.dataset) ?? 99) - (order.get(b.dataset) ?? 99) || kinds[a.kind] - kinds[b.kind]);
  const summary = ORDERED_DATASETS.map((d) => ({
    dataset: d,
    added: diff.added.filter((c) => c.dataset === d).length,
    changed: diff.changed.filter((c) => c.dataset === d).length,
    removed: diff.removed.filter((c) => c.dataset === d).length,
  })).filter((s) => s.added + s.changed + s.removed > 0);
  const pages = Math.max(1, Math.ceil(all.length / CHANGES_PER_PAGE));
  const page = Math.min(pageNo, pages);
  return {
    snapshot: snapJson,
    from: { snapshotId: from.snapshotId, seq: from.seq, createdAt: from.createdAt },
    dataset: dataset ?? null,
    summary,
    total: all.length,
    page,
    pages,
    changes: all.slice((page - 1) * CHANGES_PER_PAGE, page * CHANGES_PER_PAGE),
  };
}

async function browseData(ctx: WebContext, request: FastifyRequest) {
  const snap = await resolveSnapshot(ctx.app, company(request).id, one(request, 'snapshot'));
  if (snap === undefined) return { snapshot: null, datasets: [] };
  const byName = new Map(snap.datasets.map((d) => [d.dataset, d]));
  return {
    snapshot: { snapshotId: snap.snapshotId, seq: snap.seq, createdAt: snap.createdAt },
    datasets: ORDERED_DATASETS.filter((d) => byName.has(d)).map((d) => ({
      dataset: d,
      name: datasetName(request.locale, d),
      count: byName.get(d)!.count,
      complete: byName.get(d)!.complete,
      attachments: isAttachmentDataset(d),
    })),
  };
}

async function tableData(ctx: WebContext, request: FastifyRequest) {
  const tenantId = company(request).id;
  const dataset = requireDataset((request.params as { dataset: string }).dataset);
  const snap = await requireSnapshot(ctx.app, tenantId, one(request, 'snapshot'));
  const known = snap.datasets.find((d) => d.dataset === dataset);
  if (known === undefined) throw notFound();
  const q = one(request, 'q') ?? '';
  const mode = one(request, 'in') === 'key' ? 'key' : 'text';
  const after = one(request, 'after') || undefined;
  const page = await tablePage(ctx.app, tenantId, snap, dataset, { after, q, mode });
  return {
    snapshot: { snapshotId: snap.snapshotId, seq: snap.seq, createdAt: snap.createdAt },
    dataset,
    name: datasetName(request.locale, dataset),
    count: known.count,
    complete: known.complete,
    attachments: isAttachmentDataset(dataset),
    columns: datasetColumns(dataset).map((c) => c[request.locale]),
    search: q === '' ? null : { q, in: mode, scanned: page.scanned, window: mode === 'text' ? SEARCH_WINDOW : null },
    after: after ?? null,
    rows: page.rows,
    nextAfter: page.nextAfter ?? null,
  };
}

/** The snapshot a record page shows: `?snapshot=` (the record must be in it), else the latest holding the record. */
async function recordSnapshot(ctx: WebContext, tenantId: string, history: readonly RecordVersion[], snapshotId: string | undefined): Promise<{ at: SnapshotRef; version: RecordVersion; latest: boolean }> {
  const latest = await resolveSnapshot(ctx.app, tenantId, undefined);
  if (snapshotId !== undefined && snapshotId !== '') {
    const snap = await requireSnapshot(ctx.app, tenantId, snapshotId);
    const version = versionAt(history, snap.seq);
    if (version === undefined) throw notFound();
    return { at: { snapshotId: snap.snapshotId, seq: snap.seq, createdAt: snap.createdAt }, version, latest: snap.seq === latest?.seq };
  }
  const current = latest === undefined ? undefined : versionAt(history, latest.seq);
  if (latest !== undefined && current !== undefined) return { at: { snapshotId: latest.snapshotId, seq: latest.seq, createdAt: latest.createdAt }, version: current, latest: true };
  const last = history.at(-1)!;
  return { at: last.lastSnapshot, version: last, latest: false };
}

async function bodyOf(ctx: WebContext, tenantId: string, dataset: string, key: string, version: RecordVersion, seq: number): Promise<JsonObject> {
  const repo = await ctx.app.repositoryFor(tenantId);
  return isAttachmentDataset(dataset) ? attachmentSummary(ctx.app, repo, tenantId, dataset, key, version.blobId, seq) : readJson(repo, version.blobId);
}

/** The record a `/records/:dataset/:key` route names, with its history in the route's company (404 if none). */
async function routeRecord(ctx: WebContext, request: FastifyRequest) {
  const tenantId = company(request).id;
  const params = request.params as { dataset: string; key: string };
  const dataset = requireDataset(params.dataset);
  const key = params.key;
  const history = await recordHistory(ctx.app.db, tenantId, dataset, key);
  if (history.length === 0) throw notFound();
  return { tenantId, dataset, key, history };
}

async function recordData(ctx: WebContext, request: FastifyRequest) {
  const { tenantId, dataset, key, history } = await routeRecord(ctx, request);
  const { at, version, latest } = await recordSnapshot(ctx, tenantId, history, one(request, 'snapshot'));
  const record = await bodyOf(ctx, tenantId, dataset, key, version, at.seq);
  const files = await connectedFiles(ctx.app, tenantId, at, dataset, key);
  await auditAccess(ctx, request, 'record.view', `${dataset}:${key}`, { snapshotId: at.snapshotId });
  return {
    snapshot: refJson(at),
    latest,
    dataset,
    name: datasetName(request.locale, dataset),
    key,
    attachment: isAttachmentDataset(dataset),
    record,
    files: files.files,
    filesTruncated: files.truncated,
    versions: history.map((v) => ({ blobId: v.blobId, firstSeq: v.firstSeq, lastSeq: v.lastSeq, from: refJson(v.firstSnapshot), to: refJson(v.lastSnapshot), current: v.lastSeq === null, shown: v === version })),
  };
}

async function diffData(ctx: WebContext, request: FastifyRequest) {
  const { tenantId, dataset, key, history } = await routeRecord(ctx, request);
  const toParam = one(request, 'to') || one(request, 'snapshot');
  const fromParam = one(request, 'from');
  const to: SnapshotRef = toParam === undefined || toParam === '' ? (await recordSnapshot(ctx, tenantId, history, undefined)).at : await requireSnapshot(ctx.app, tenantId, toParam);
  let from: SnapshotRef | undefined;
  if (fromParam !== undefined && fromParam !== '') from = await requireSnapshot(ctx.app, tenantId, fromParam);
  else {
    const index = history.findIndex((v) => v === versionAt(history, to.seq));
    const previous = index > 0 ? history[index - 1] : index === -1 ? history.filter((v) => v.firstSeq < to.seq).at(-1) : undefined;
    from = previous?.lastSnapshot;
  }
  const toVersion = versionAt(history, to.seq);
  const fromVersion = from === undefined ? undefined : versionAt(history, from.seq);
  const [before, after] = await Promise.all([
    fromVersion === undefined || from === undefined ? undefined : bodyOf(ctx, tenantId, dataset, key, fromVersion, from.seq),
    toVersion === undefined ? undefined : bodyOf(ctx, tenantId, dataset, key, toVersion, to.seq),
  ]);
  const changes: FieldChange[] = from === undefined ? [] : diffJson(before ?? {}, after ?? {});
  await auditAccess(ctx, request, 'record.view', `${dataset}:${key}`, { diff: true, from: from?.snapshotId ?? null, to: to.snapshotId });
  return {
    dataset,
    name: datasetName(request.locale, dataset),
    key,
    from: from === undefined ? null : { ...refJson(from), present: fromVersion !== undefined },
    to: { ...refJson(to), present: toVersion !== undefined },
    changes,
  };
}

async function sendDownload(ctx: WebContext, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const tenantId = company(request).id;
  const params = request.params as { dataset: string; key: string };
  const dataset = requireDataset(params.dataset);
  if (!isAttachmentDataset(dataset)) throw notFound();
  const snap = await requireSnapshot(ctx.app, tenantId, one(request, 'snapshot'));
  const download = await openDownload(ctx.app, tenantId, snap, dataset, params.key);
  await auditAccess(ctx, request, 'file.download', `${dataset}:${params.key}`, { snapshotId: snap.snapshotId, fileName: download.fileName, size: download.size });
  return reply
    .type(download.contentType)
    .header('content-length', String(download.size))
    .header('content-disposition', contentDisposition(download.fileName))
    .header('content-security-policy', "default-src 'none'; sandbox")
    .send(download.stream);
}

// ---- pages ------------------------------------------------------------------------------------------

function changeCounts(locale: Locale, c: { added: number; changed: number; removed: number }): string {
  return m(locale)('changeCounts', { added: formatNumber(locale, c.added), changed: formatNumber(locale, c.changed), removed: formatNumber(locale, c.removed) });
}

function perDataset(changes: { perDataset: Record<string, { added: number; changed: number; removed: number }> } | null, dataset: string, locale: Locale): SafeHtml {
  const c = changes?.perDataset[dataset];
  return c === undefined ? html`` : html` <span class="muted">(${changeCounts(locale, c)})</span>`;
}

function snapshotsPage(request: FastifyRequest, reply: FastifyReply, data: Awaited<ReturnType<typeof snapshotsData>>): FastifyReply {
  const l = request.locale;
  const t = m(l);
  const b = base(request);
  const rows = data.snapshots.map((s) => {
    const incomplete = s.datasets.filter((d) => !d.complete).map((d) => datasetName(l, d.dataset as SnapshotDataSet) ?? d.dataset);
    return html`<tr>
<th scope="row"><a href="${href(`${b}/browse`, { snapshot: s.snapshotId })}">${formatDateTime(l, s.createdAt)}</a></th>
<td>${s.runId === null ? '–' : html`<a href="${b}/runs/${s.runId}">${s.runId.slice(0, 8)}</a>`}</td>
<td class="num">${formatNumber(l, s.records)}</td>
<td>${s.complete ? html`<span class="badge ok">${t('complete')}</span>` : html`<span class="badge warn" title="${t('incompleteSets', { sets: incomplete.join(', ') })}">${t('incomplete')}</span>`}</td>
<td>${s.changes === null ? html`<span class="muted">${t('first')}</span>` : html`<a href="${b}/snapshots/${s.snapshotId}/changes">${changeCounts(l, s.changes)}</a>`}</td>
<td><details><summary>${t('perDataset')}</summary><ul>${s.datasets.map((d) => html`<li>${datasetName(l, d.dataset as SnapshotDataSet)}: ${formatNumber(l, d.count)}${d.complete ? '' : html` <span class="badge warn">${t('incomplete')}</span>`}${perDataset(s.changes, d.dataset, l)}</li>`)}</ul></details></td>
<td class="actions"><a href="${href(`${b}/browse`, { snapshot: s.snapshotId })}">${t('browseAt')}</a> <a href="${b}/snapshots/${s.snapshotId}/changes">${t('whatChanged')}</a></td>
</tr>`;
  });
  const body = data.snapshots.length === 0
    ? html`<p>${t('noSnapshots')}</p>`
    : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('time')}</th><th scope="col">${t('run')}</th><th scope="col" class="num">${t('records')}</th><th scope="col">${t('status')}</th><th scope="col">${t('changes')}</th><th scope="col">${t('perDataset')}</th><th scope="col"><span class="visually-hidden">${t('show')}</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>
<nav class="pager" aria-label="${t('pager')}">${one(request, 'before') === undefined ? '' : html`<a href="${b}/snapshots">${t('newest')}</a>`}${data.nextBefore === null ? '' : html`<a rel="next" href="${href(`${b}/snapshots`, { before: String(data.nextBefore) })}">${t('older')}</a>`}</nav>`;
  return sendPage(request, reply, { title: t('snapshots'), lead: t('snapshotsLead'), body });
}

function changesPage(request: FastifyRequest, reply: FastifyReply, data: Awaited<ReturnType<typeof changesData>>): FastifyReply {
  const l = request.locale;
  const t = m(l);
  const b = base(request);
  const title = t('changesTitle', { time: formatDateTime(l, data.snapshot.createdAt) });
  if (data.from === null) return sendPage(request, reply, { title, body: html`<p>${t('changesFirst')}</p><p><a href="${href(`${b}/browse`, { snapshot: data.snapshot.snapshotId })}">${t('browseAt')}</a></p>` });
  const from = data.from;
  const kindLabel = { added: t('added'), changed: t('changed'), removed: t('removed') } as const;
  const kindClass = { added: 'diff-added', changed: '', removed: 'diff-removed' } as const;
  const pageHref = (page: number): string => href(`${b}/snapshots/${data.snapshot.snapshotId}/changes`, { from: one(request, 'from'), dataset: data.dataset ?? undefined, page: String(page) });
  const link = (c: { dataset: string; key: string; kind: ChangeKind }): SafeHtml =>
    c.kind === 'changed'
      ? html`<a href="${href(`${recordPath(request, c.dataset, c.key)}/diff`, { from: from.snapshotId, to: data.snapshot.snapshotId })}">${t('diff')}</a>`
      : html`<a href="${href(recordPath(request, c.dataset, c.key), { snapshot: c.kind === 'added' ? data.snapshot.snapshotId : from.snapshotId })}">${t('show')}</a>`;
  const body = html`
<form method="get" class="filters" action="${b}/snapshots/${data.snapshot.snapshotId}/changes">
${one(request, 'from') === undefined ? '' : html`<input type="hidden" name="from" value="${from.snapshotId}">`}
<div class="field"><label for="f-dataset">${t('dataset')}</label><select id="f-dataset" name="dataset"><option value="">${t('allDatasets')}</option>${ORDERED_DATASETS.map((d) => html`<option value="${d}"${d === data.dataset ? html` selected` : ''}>${datasetName(l, d)}</option>`)}</select></div>
<button type="submit" class="button secondary">${t('show')}</button>
</form>
${data.summary.length === 0 ? html`<p>${t('noChanges')}</p>` : html`
<div class="table-wrap"><table><caption>${t('changes')}</caption>
<thead><tr><th scope="col">${t('dataset')}</th><th scope="col" class="num">${t('added')}</th><th scope="col" class="num">${t('changed')}</th><th scope="col" class="num">${t('removed')}</th></tr></thead>
<tbody>${data.summary.map((s) => html`<tr><th scope="row"><a href="${href(`${b}/snapshots/${data.snapshot.snapshotId}/changes`, { from: one(request, 'from'), dataset: s.dataset })}">${datasetName(l, s.dataset)}</a></th><td class="num">${formatNumber(l, s.added)}</td><td class="num">${formatNumber(l, s.changed)}</td><td class="num">${formatNumber(l, s.removed)}</td></tr>`)}</tbody></table></div>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('dataset')}</th><th scope="col">${t('key')}</th><th scope="col">${t('kind')}</th><th scope="col"><span class="visually-hidden">${t('show')}</span></th></tr></thead>
<tbody>${data.changes.map((c) => html`<tr class="${kindClass[c.kind]}"><td>${datasetName(l, c.dataset as SnapshotDataSet)}</td><th scope="row"><code>${c.key}</code></th><td>${kindLabel[c.kind]}</td><td>${link(c)}</td></tr>`)}</tbody>
</table></div>
<nav class="pager" aria-label="${t('pager')}">${data.page > 1 ? html`<a rel="prev" href="${pageHref(data.page - 1)}">${t('previous')}</a>` : ''}<span>${t('page', { page: data.page, pages: data.pages })}</span>${data.page < data.pages ? html`<a rel="next" href="${pageHref(data.page + 1)}">${t('next')}</a>` : ''}</nav>`}`;
  return sendPage(request, reply, { title, lead: t('changesLead', { from: formatDateTime(l, from.createdAt) }), body });
}

function browsePage(request: FastifyRequest, reply: FastifyReply, data: Awaited<ReturnType<typeof browseData>>): FastifyReply {
  const l = request.locale;
  const t = m(l);
  const b = base(request);
  if (data.snapshot === null) return sendPage(request, reply, { title: t('browse'), body: html`<p>${t('noSnapshots')}</p>` });
  const snapshotId = data.snapshot.snapshotId;
  const body = html`<p><a href="${b}/snapshots">${t('otherSnapshot')}</a></p>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('dataset')}</th><th scope="col" class="num">${t('count')}</th><th scope="col">${t('status')}</th></tr></thead>
<tbody>${data.datasets.map((d) => html`<tr><th scope="row"><a href="${href(`${b}/browse/${d.dataset}`, { snapshot: snapshotId })}">${d.name}</a></th><td class="num">${formatNumber(l, d.count)}</td><td>${d.complete ? html`<span class="badge ok">${t('complete')}</span>` : html`<span class="badge warn">${t('incomplete')}</span>`}</td></tr>`)}</tbody>
</table></div>`;
  return sendPage(request, reply, { title: t('browse'), lead: t('browseLead', { time: formatDateTime(l, data.snapshot.createdAt) }), body });
}

function tablePageHtml(request: FastifyRequest, reply: FastifyReply, data: Awaited<ReturnType<typeof tableData>>): FastifyReply {
  const l = request.locale;
  const t = m(l);
  const b = base(request);
  const snapshotId = data.snapshot.snapshotId;
  const path = `${b}/browse/${data.dataset}`;
  const columns = datasetColumns(data.dataset);
  const q = data.search?.q;
  const mode = data.search?.in;
  // "Previous" walks back along the cursors of the pages before this one, carried in the URL.
  const trail = many(request, 'back').slice(-MAX_TRAIL);
  const common = { snapshot: snapshotId, q, in: mode === 'key' ? 'key' : undefined };
  const nextHref = data.nextAfter === null ? undefined : href(path, { ...common, after: data.nextAfter, back: [...trail, data.after ?? ''].slice(-MAX_TRAIL) });
  const prevHref = data.after === null ? undefined : href(path, { ...common, after: trail.at(-1) || undefined, back: trail.slice(0, -1) });
  const cell = (v: string | number | null, num: boolean | undefined): SafeHtml =>
    html`<td${num === true ? html` class="num"` : ''}>${v === null ? '' : typeof v === 'number' ? formatNumber(l, v) : v}</td>`;
  const rows = data.rows.map((r) => html`<tr>
<th scope="row"><a href="${href(recordPath(request, data.dataset, r.key), { snapshot: snapshotId })}">${r.key}</a></th>
${r.values.map((v, i) => cell(v, columns[i]?.num))}
${data.attachments ? html`<td><a href="${href(filePath(request, data.dataset, r.key), { snapshot: snapshotId })}">${t('download')}</a></td>` : ''}
</tr>`);
  const searchNote = data.search === null ? '' : data.search.in === 'key' ? t('searchCoversKey', { q: data.search.q }) : t('searchCoversText', { q: data.search.q, window: SEARCH_WINDOW, scanned: data.search.scanned });
  const body = html`
${data.complete ? '' : notice('info', t('incompleteNote'))}
<form method="get" action="${path}" class="filters" role="search">
<input type="hidden" name="snapshot" value="${snapshotId}">
<div class="field"><label for="f-q">${t('search')}</label><input id="f-q" name="q" type="search" value="${q ?? ''}" aria-describedby="search-note"></div>
<div class="field"><label for="f-in">${t('searchIn')}</label><select id="f-in" name="in"><option value="text"${mode === 'key' ? '' : html` selected`}>${t('searchText', { window: SEARCH_WINDOW })}</option><option value="key"${mode === 'key' ? html` selected` : ''}>${t('searchKey')}</option></select></div>
<button type="submit" class="button primary">${t('searchButton')}</button>
${q === undefined ? '' : html`<a href="${href(path, { snapshot: snapshotId })}">${t('clear')}</a>`}
</form>
<p id="search-note" class="muted" aria-live="polite">${searchNote}</p>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('key')}</th>${columns.map((c) => html`<th scope="col"${c.num === true ? html` class="num"` : ''}>${c[l]}</th>`)}${data.attachments ? html`<th scope="col"><span class="visually-hidden">${t('download')}</span></th>` : ''}</tr></thead>
<tbody>${rows}</tbody>
</table></div>
${data.rows.length === 0 ? html`<p>${data.search === null ? t('noRows') : t('noMatches')}</p>` : ''}
<nav class="pager" aria-label="${t('pager')}">
${data.after === null ? '' : html`<a href="${href(path, { ...common })}">${t('firstPage')}</a>`}
${prevHref === undefined ? '' : html`<a rel="prev" href="${prevHref}">${t('previous')}</a>`}
${nextHref === undefined ? '' : html`<a rel="next" href="${nextHref}">${t('next')}</a>`}
</nav>`;
  return sendPage(request, reply, { title: data.name, lead: t('datasetLead', { count: formatNumber(l, data.count), time: formatDateTime(l, data.snapshot.createdAt) }), body });
}

function filesList(request: FastifyRequest, files: readonly ConnectedFile[], snapshotId: string): SafeHtml {
  const t = m(request.locale);
  return html`<ul>${files.map((f) => html`<li>${f.stored ? html`<a href="${href(filePath(request, f.dataset, f.key), { snapshot: snapshotId })}" download>${f.name}</a>` : html`${f.name} <span class="muted">${t('notStored')}</span>`}</li>`)}</ul>`;
}

function recordPage(request: FastifyRequest, reply: FastifyReply, data: Awaited<ReturnType<typeof recordData>>): FastifyReply {
  const l = request.locale;
  const t = m(l);
  const snapshotId = data.snapshot.snapshotId;
  const rowsField = data.dataset === 'vouchers' ? 'VoucherRows' : data.dataset === 'supplierinvoices' ? 'SupplierInvoiceRows' : undefined;
  const path = recordPath(request, data.dataset, data.key);
  const history = data.versions.map((v, i) => {
    const gap = i > 0 && data.versions[i - 1]!.lastSeq !== null && v.firstSeq > data.versions[i - 1]!.lastSeq! + 1;
    return html`${gap ? html`<tr><td colspan="4" class="muted">${t('deletedBetween')}</td></tr>` : ''}<tr${v.shown ? html` aria-current="true"` : ''}>
<th scope="row">${i + 1}${v.shown ? html` <span class="muted">${t('thisVersion')}</span>` : ''}</th>
<td>${formatDateTime(l, v.from.createdAt)}</td>
<td>${v.current ? html`<span class="badge info">${t('current')}</span>` : formatDateTime(l, v.to.createdAt)}</td>
<td class="actions"><a href="${href(path, { snapshot: v.to.snapshotId })}">${t('showVersion')}</a>${i > 0 ? html` <a href="${href(`${path}/diff`, { from: data.versions[i - 1]!.to.snapshotId, to: v.from.snapshotId })}">${t('compareWithPrevious')}</a>` : ''}</td>
</tr>`;
  });
  const body = html`
${data.latest ? '' : notice('info', t('notCurrent'))}
${data.attachment ? html`<p><a class="button primary" href="${href(filePath(request, data.dataset, data.key), { snapshot: snapshotId })}" download>${t('download')}</a> <span class="muted">${t('size')}: ${typeof data.record.Size === 'number' ? formatBytes(l, data.record.Size) : '–'}</span></p>` : ''}
${rowsField === undefined ? '' : html`<section><h2>${t('voucherRows')}</h2>${voucherRowsTable(l, data.record[rowsField], t('voucherRows'))}</section>`}
${['invoices', 'supplierinvoices', 'vouchers'].includes(data.dataset) ? html`<section><h2>${t('attachments')}</h2>${data.files.length === 0 ? html`<p>${t('noAttachments')}</p>` : filesList(request, data.files, snapshotId)}${data.filesTruncated ? html`<p class="muted">${t('attachmentsTruncated', { limit: 2000 })}</p>` : ''}</section>` : ''}
<section><h2>${t('fields')}</h2>${renderFields(l, data.record, rowsField === undefined ? [] : [rowsField])}</section>
<section><h2>${t('history')}</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">${t('version')}</th><th scope="col">${t('from')}</th><th scope="col">${t('to')}</th><th scope="col"><span class="visually-hidden">${t('show')}</span></th></tr></thead>
<tbody>${history}</tbody>
</table></div></section>`;
  return sendPage(request, reply, { title: t('recordTitle', { dataset: data.name, key: data.key }), lead: t('recordLead', { time: formatDateTime(l, data.snapshot.createdAt) }), body });
}

function diffPage(request: FastifyRequest, reply: FastifyReply, data: Awaited<ReturnType<typeof diffData>>): FastifyReply {
  const l = request.locale;
  const t = m(l);
  const path = recordPath(request, data.dataset, data.key);
  const title = t('diffTitle', { dataset: data.name, key: data.key });
  const back = html`<p><a href="${href(path, { snapshot: data.to.present ? data.to.snapshotId : data.from?.snapshotId })}">${t('backToRecord')}</a></p>`;
  if (data.from === null) return sendPage(request, reply, { title, body: html`<p>${t('diffNoPrevious')}</p>${back}` });
  const body = html`
${data.from.present ? '' : notice('info', t('diffMissing', { time: formatDateTime(l, data.from.createdAt) }))}
${data.to.present ? '' : notice('info', t('diffMissing', { time: formatDateTime(l, data.to.createdAt) }))}
${diffTable(l, data.changes)}
${back}`;
  return sendPage(request, reply, { title, lead: t('diffLead', { from: formatDateTime(l, data.from.createdAt), to: formatDateTime(l, data.to.createdAt) }), body });
}

// ---- routes -----------------------------------------------------------------------------------------

const companyParams = { companyId: { type: 'string', description: 'The company (tenant) id' } };
const schema = (summary: string, params: Record<string, unknown> = {}, querystring?: Record<string, unknown>) => ({
  tags: ['browse'],
  summary,
  params: { type: 'object', properties: { ...companyParams, ...params }, required: ['companyId', ...Object.keys(params)] },
  ...(querystring === undefined ? {} : { querystring: { type: 'object', properties: querystring } }),
});
const snapshotQuery = { snapshot: { type: 'string', description: 'A snapshot id of this company (default: the latest)' } };
const recordParams = { dataset: { type: 'string' }, key: { type: 'string', description: 'The record key, URL-encoded (e.g. 1%2FA%2F17 for voucher A 17 of financial year 1)' } };

export async function register(app: FastifyInstance, ctx: WebContext): Promise<void> {
  const page = { config: { permission: 'browse' as const } };
  const api = { permission: 'browse' as const, api: true };

  app.get('/companies/:companyId/snapshots', page, async (request, reply) => snapshotsPage(request, reply, await snapshotsData(ctx, request)));
  app.get('/api/v1/companies/:companyId/snapshots', { config: api, schema: schema('The company\'s snapshots, newest first (20 a page; ?before=<seq> for older), with counts, completeness and changes since the previous one', {}, { before: { type: 'string' } }) }, async (request) =>
    snapshotsData(ctx, request),
  );

  app.get('/companies/:companyId/snapshots/:snapshotId/changes', page, async (request, reply) => changesPage(request, reply, await changesData(ctx, request)));
  app.get(
    '/api/v1/companies/:companyId/snapshots/:snapshotId/changes',
    { config: api, schema: schema('Records added, changed and removed in a snapshot since its parent (or ?from=<snapshot>), 100 a page', { snapshotId: { type: 'string' } }, { from: { type: 'string' }, dataset: { type: 'string' }, page: { type: 'string' } }) },
    async (request) => changesData(ctx, request),
  );

  app.get('/companies/:companyId/browse', page, async (request, reply) => browsePage(request, reply, await browseData(ctx, request)));
  app.get('/api/v1/companies/:companyId/browse', { config: api, schema: schema('The data sets of a snapshot with their counts', {}, snapshotQuery) }, async (request) => browseData(ctx, request));

  app.get('/companies/:companyId/browse/:dataset', page, async (request, reply) => tablePageHtml(request, reply, await tableData(ctx, request)));
  app.get(
    '/api/v1/companies/:companyId/browse/:dataset',
    {
      config: api,
      schema: schema('One page (50) of a data set\'s records at a snapshot, with the shown columns; ?q= searches the key and shown columns (in=text, 500 records per request) or only keys (in=key, whole data set); ?after= continues', { dataset: { type: 'string' } }, {
        ...snapshotQuery,
        q: { type: 'string' },
        in: { type: 'string', enum: ['text', 'key'] },
        after: { type: 'string' },
      }),
    },
    async (request) => tableData(ctx, request),
  );

  app.get('/companies/:companyId/records/:dataset/:key', page, async (request, reply) => recordPage(request, reply, await recordData(ctx, request)));
  app.get('/api/v1/companies/:companyId/records/:dataset/:key', { config: api, schema: schema('A record at a snapshot with every field, its connected files and its history', recordParams, snapshotQuery) }, async (request) => recordData(ctx, request));

  app.get('/companies/:companyId/records/:dataset/:key/diff', page, async (request, reply) => diffPage(request, reply, await diffData(ctx, request)));
  app.get(
    '/api/v1/companies/:companyId/records/:dataset/:key/diff',
    { config: api, schema: schema('Field-level diff of a record between two snapshots (default: its previous version against the latest)', recordParams, { from: { type: 'string' }, to: { type: 'string' } }) },
    async (request) => diffData(ctx, request),
  );

  app.get('/companies/:companyId/files/:dataset/:key', page, async (request, reply) => sendDownload(ctx, request, reply));
  app.get('/api/v1/companies/:companyId/files/:dataset/:key', { config: api, schema: schema('Download an attachment (filecontents), an invoice PDF (invoicepdfs) or an SIE file (sie) of a snapshot', recordParams, snapshotQuery) }, async (request, reply) =>
    sendDownload(ctx, request, reply),
  );
}

