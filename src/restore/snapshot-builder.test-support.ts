/**
 * A plain full backup for restore tests, written straight to the repository under the keys of
 * src/backup/layout.ts: every detail as Fortnox answered it (minus `@url`), files with their `files`
 * record. No change detection, no resume: that is the backup engine's job; this only has to produce
 * the same layout so the restore can be tested before and independently of it.
 */
import { createHash } from 'node:crypto';
import { keys, type FileRecord } from '../backup/layout.ts';
import type { FortnoxReader, JsonObject } from '../fortnox/index.ts';
import type { Repository } from '../repository/repository.ts';
import type { SnapshotInfo } from '../repository/manifest.ts';

const withoutUrl = (r: JsonObject): JsonObject => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('@')));
const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

export async function buildSnapshot(repository: Repository, reader: FortnoxReader): Promise<SnapshotInfo> {
  const w = await repository.beginSnapshot({ runMeta: { builder: 'restore-test-support' } });
  await w.putRecord('companyinformation', keys.companyinformation(), withoutUrl(await reader.companyInformation()));
  const years: number[] = [];
  for await (const y of reader.items('financialyears')) {
    years.push(Number(y.Id));
    await w.putRecord('financialyears', keys.financialyear(str(y.Id)), withoutUrl(y));
  }
  for (const year of years) {
    for await (const s of reader.items('voucherseries', { financialYear: year })) {
      await w.putRecord('voucherseries', keys.voucherseries(year, str(s.Code)), withoutUrl(await reader.detail('voucherseries', { ...s, Year: year })));
    }
    for await (const a of reader.items('accounts', { financialYear: year })) {
      await w.putRecord('accounts', keys.account(year, str(a.Number)), withoutUrl(await reader.detail('accounts', { ...a, Year: year })));
    }
    for await (const v of reader.items('vouchers', { financialYear: year })) {
      await w.putRecord('vouchers', keys.voucher(year, str(v.VoucherSeries), str(v.VoucherNumber)), withoutUrl(await reader.detail('vouchers', { ...v, Year: year })));
    }
  }
  for await (const c of reader.items('costcenters')) await w.putRecord('costcenters', keys.byId(str(c.Code)), withoutUrl(c));
  const details: [name: 'projects' | 'customers' | 'suppliers' | 'articles' | 'invoices' | 'supplierinvoices', id: string][] = [
    ['projects', 'ProjectNumber'], ['customers', 'CustomerNumber'], ['suppliers', 'SupplierNumber'], ['articles', 'ArticleNumber'],
    ['invoices', 'DocumentNumber'], ['supplierinvoices', 'GivenNumber'],
  ];
  for (const [name, id] of details) {
    for await (const item of reader.items(name)) await w.putRecord(name, keys.byId(str(item[id])), withoutUrl(await reader.detail(name, item)));
  }
  // Voucher connections carry no file name: the archive's folder listings do (as the backup finds them).
  const archive = new Map<string, { name: string; path: string; archiveFileId: string }>();
  const walk = async (path: string | undefined): Promise<void> => {
    const folder = await reader.archiveFolder(path);
    for (const f of Array.isArray(folder.Files) ? folder.Files : []) {
      if (typeof f === 'object' && f !== null && !Array.isArray(f)) archive.set(str(f.Id), { name: str(f.Name), path: path ?? '', archiveFileId: str(f.ArchiveFileId) });
    }
    for (const sub of Array.isArray(folder.Folders) ? folder.Folders : []) {
      if (typeof sub === 'object' && sub !== null && !Array.isArray(sub)) await walk(path === undefined ? str(sub.Name) : `${path}/${str(sub.Name)}`);
    }
  };
  await walk(undefined);
  const files = new Map<string, FileRecord>();
  const connections: ['supplierinvoicefileconnections' | 'voucherfileconnections', FileRecord['ConnectedTo'][number]['type']][] = [
    ['supplierinvoicefileconnections', 'supplierinvoice'], ['voucherfileconnections', 'voucher'],
  ];
  for (const [name, type] of connections) {
    for await (const c of reader.items(name)) {
      await w.putRecord(name, keys.byId(str(c.FileId)), withoutUrl(c));
      const fileId = str(c.FileId);
      const target = type === 'supplierinvoice' ? str(c.SupplierInvoiceNumber) : keys.voucher(str(c.VoucherYear), str(c.VoucherSeries), str(c.VoucherNumber));
      const known = files.get(fileId);
      if (known !== undefined) {
        known.ConnectedTo.push({ type, key: target });
        continue;
      }
      const download = await reader.archiveFile(fileId);
      await w.putAttachment('filecontents', keys.file(fileId), download.body);
      files.set(fileId, {
        Id: fileId, ArchiveFileId: archive.get(fileId)?.archiveFileId ?? null, Name: str(c.Name) || archive.get(fileId)?.name || fileId, Path: archive.get(fileId)?.path ?? null, ContentType: download.contentType,
        Size: download.body.length, Sha256: createHash('sha256').update(download.body).digest('hex'), ConnectedTo: [{ type, key: target }],
      });
    }
  }
  for (const f of files.values()) await w.putRecord('files', keys.file(f.Id), f);
  return w.commit();
}
