/**
 * The archive and the inbox: folder listings, file bytes by `Id` or `ArchiveFileId`, uploads, and the
 * file connections that tie supplier invoices and vouchers to files. Connecting an inbox file moves it
 * to the archive's "Kopplade filer/<year>/<month>", as Fortnox does (fortnox-api.md §3.3).
 */
import { text } from './values.ts';
import { createHash, randomUUID } from 'node:crypto';
import { badRequest, bytes, json, notFound, type Reply } from './http.ts';
import { voucherKey, type FortnoxRecord, type SimCompany, type SimFile, type Stored } from './model.ts';
import { parseMultipart, boundaryOf } from './multipart.ts';
import { FILE_NOT_FOUND, FOLDER_NOT_FOUND, SUPPLIER_INVOICE_FILE_CONNECTIONS, VOUCHER_FILE_CONNECTIONS, type ResourceDef } from './resources.ts';
import { CODES, checkFields, parseWrapped, type WriteContext } from './writes.ts';

export type Store = 'archive' | 'inbox';

/** Fortnox's fixed inbox folders (fortnox-api.md §3.3). */
export const INBOX_FOLDERS: Readonly<Record<string, string>> = {
  inbox_a: 'Anläggningstillgångar', inbox_b: 'Bankfiler', inbox_d: 'Dagskassor', inbox_kf: 'Kundfakturor', inbox_l: 'Lön',
  inbox_o: 'Order', inbox_of: 'Offerter', inbox_s: 'Leverantörsfakturor', inbox_v: 'Verifikationer',
};

/** A stable UUID-shaped folder id derived from the folder's path, so ids survive restarts. */
export function folderId(store: Store, path: string): string {
  if (store === 'inbox') return path === '' ? 'root' : path;
  const h = createHash('sha1').update(`archive:${path}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function folderPaths(company: SimCompany, store: Store): Set<string> {
  const paths = new Set<string>(['']);
  if (store === 'inbox') for (const id of Object.keys(INBOX_FOLDERS)) paths.add(id);
  for (const f of company.files.values()) {
    if (f.store !== store || f.folder === 'root') continue;
    const parts = f.folder.split('/');
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('/'));
  }
  return paths;
}

export function fileRow(base: string, f: SimFile): FortnoxRecord {
  return { '@url': `${base}/3/${f.store}/${f.id}`, ArchiveFileId: f.archiveFileId, Comments: f.comments, Id: f.id, Name: f.name, Path: f.folder, Size: f.size };
}

function folderReply(base: string, company: SimCompany, store: Store, path: string): Reply {
  const paths = folderPaths(company, store);
  if (!paths.has(path)) throw notFound(...FOLDER_NOT_FOUND);
  const depth = path === '' ? 0 : path.split('/').length;
  const folders = [...paths].filter((p) => p !== '' && p.split('/').length === depth + 1 && (path === '' || p.startsWith(`${path}/`))).sort();
  const inFolder = (f: SimFile): boolean => f.store === store && (f.folder === path || (path === '' && f.folder === 'root'));
  const files = [...company.files.values()].filter(inFolder).sort((a, b) => a.name.localeCompare(b.name, 'sv'));
  const name = path === '' ? 'root' : store === 'inbox' ? (INBOX_FOLDERS[path] ?? path) : (path.split('/').pop() as string);
  return json(200, {
    Folder: {
      '@url': `${base}/3/${store}${path === '' ? '' : store === 'inbox' ? `/${path}` : `?path=${encodeURIComponent(path)}`}`,
      Email: path === '' ? `${store === 'inbox' ? 'inbox' : 'arkiv'}.${company.tenantId}@fortnox.example` : '',
      Files: files.map((f) => fileRow(base, f)),
      Folders: folders.map((p) => ({
        '@url': `${base}/3/${store}${store === 'inbox' ? `/${p}` : `?path=${encodeURIComponent(p)}`}`,
        Id: folderId(store, p),
        Name: store === 'inbox' ? (INBOX_FOLDERS[p] ?? p) : (p.split('/').pop() as string),
      })),
      Id: folderId(store, path),
      Name: name,
    },
  });
}

function fileBytes(f: SimFile): Reply {
  // Fortnox serves attachments as downloads; the name is sent raw like the upload took it.
  return bytes(f.content(), f.contentType, { 'Content-Disposition': `attachment; filename="${encodeURIComponent(f.name)}"` });
}

function pathForFolderId(company: SimCompany, store: Store, id: string): string | undefined {
  for (const p of folderPaths(company, store)) if (folderId(store, p) === id) return p;
  return undefined;
}

/** `GET /3/archive`, `GET /3/inbox`: the root, `?path=`, or `?fileid=` (bytes by ArchiveFileId). */
export function getStoreRoot(base: string, company: SimCompany, store: Store, query: URLSearchParams): Reply {
  const fileid = query.get('fileid');
  if (fileid !== null && fileid !== '') {
    const f = [...company.files.values()].find((x) => x.archiveFileId === fileid);
    if (f === undefined) throw notFound(...FILE_NOT_FOUND);
    return fileBytes(f);
  }
  const path = (query.get('path') ?? '').replace(/^\/+|\/+$/g, '');
  return folderReply(base, company, store, path === 'root' && store === 'inbox' ? '' : path);
}

/** `GET /3/archive/{id}`, `GET /3/inbox/{id}`: a file's bytes, or a folder by id (`inbox_s`). */
export function getStoreItem(base: string, company: SimCompany, store: Store, id: string): Reply {
  const f = company.files.get(id);
  if (f !== undefined && f.store === store) return fileBytes(f);
  const path = pathForFolderId(company, store, id);
  if (path !== undefined) return folderReply(base, company, store, path);
  throw notFound(...FILE_NOT_FOUND);
}

/** `POST /3/archive?path=|folderid=`, `POST /3/inbox?path=|folderId=` with a multipart file. */
export function upload(base: string, ctx: WriteContext, store: Store, query: URLSearchParams, contentType: string | undefined, body: Buffer): Reply {
  const boundary = boundaryOf(contentType);
  if (boundary === undefined || !/^multipart\/form-data/i.test(contentType ?? '')) throw badRequest('Filen måste skickas som multipart/form-data.', 1000031);
  const [file] = parseMultipart(body, boundary);
  if (file === undefined || file.filename === '') throw badRequest('Ingen fil hittades i förfrågan.', CODES.emptyBody);
  const folderIdParam = query.get('folderid') ?? query.get('folderId');
  let folder = (query.get('path') ?? '').replace(/^\/+|\/+$/g, '');
  if (folderIdParam !== null && folderIdParam !== '') {
    const p = pathForFolderId(ctx.company, store, folderIdParam);
    if (p === undefined) throw notFound(...FOLDER_NOT_FOUND);
    folder = p;
  }
  if (store === 'inbox' && folder === '') folder = 'root';
  const data = file.data;
  const f: SimFile = {
    id: randomUUID(), archiveFileId: randomUUID(), name: file.filename, store, folder, contentType: file.contentType,
    size: data.length, content: () => data, comments: '', modified: ctx.now,
  };
  ctx.company.files.set(f.id, f);
  ctx.company.sideEffects.writes++;
  return json(201, { File: fileRow(base, f) });
}

function moveToConnected(ctx: WriteContext, file: SimFile, date: string): void {
  if (file.store !== 'inbox') return;
  file.store = 'archive';
  file.folder = `Kopplade filer/${date.slice(0, 4)}/${date.slice(5, 7)}`;
  file.modified = ctx.now;
}

function connectionCommit(ctx: WriteContext, def: ResourceDef, record: FortnoxRecord): Stored {
  const collection = def.collection(ctx.company);
  const stored: Stored = { data: record, modified: ctx.now };
  collection.set(text(record.FileId), stored);
  ctx.company.sideEffects.writes++;
  ctx.changed(collection);
  return stored;
}

function connectableFile(ctx: WriteContext, fileId: string): SimFile {
  const file = ctx.company.files.get(fileId);
  if (file === undefined) throw badRequest('Kan inte hitta filen.', FILE_NOT_FOUND[1]);
  if (ctx.company.supplierInvoiceFileConnections.has(fileId) || ctx.company.voucherFileConnections.has(fileId)) {
    throw badRequest('Filen är redan kopplad.', CODES.numberUsed);
  }
  return file;
}

export function connectSupplierInvoiceFile(ctx: WriteContext, body: Buffer): Stored {
  const def = SUPPLIER_INVOICE_FILE_CONNECTIONS;
  const input = checkFields(parseWrapped(body, def.singular), def.fields);
  const file = connectableFile(ctx, text(input.FileId ?? ''));
  const invoice = ctx.company.supplierInvoices.get(text(input.SupplierInvoiceNumber ?? ''))?.data;
  if (invoice === undefined) throw badRequest('Kan inte hitta leverantörsfakturan.', 2000436);
  moveToConnected(ctx, file, text(invoice.InvoiceDate ?? ''));
  return connectionCommit(ctx, def, { FileId: file.id, Name: file.name, SupplierInvoiceNumber: text(invoice.GivenNumber), SupplierName: invoice.SupplierName ?? '' });
}

export function connectVoucherFile(ctx: WriteContext, yearFromQuery: number | undefined, body: Buffer): Stored {
  const def = VOUCHER_FILE_CONNECTIONS;
  const input = checkFields(parseWrapped(body, def.singular), def.fields);
  const file = connectableFile(ctx, text(input.FileId ?? ''));
  const year = typeof input.VoucherYear === 'number' ? input.VoucherYear : yearFromQuery;
  const voucher = year === undefined ? undefined : ctx.company.vouchers.get(voucherKey(year, text(input.VoucherSeries ?? ''), Number(input.VoucherNumber)))?.data;
  if (voucher === undefined) throw badRequest('Kan inte hitta verifikationen.', 2000437);
  moveToConnected(ctx, file, text(voucher.TransactionDate ?? ''));
  return connectionCommit(ctx, def, {
    FileId: file.id, VoucherDescription: voucher.Description ?? '', VoucherNumber: text(voucher.VoucherNumber), VoucherSeries: text(voucher.VoucherSeries), VoucherYear: year as number,
  });
}
