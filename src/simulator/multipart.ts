/**
 * A minimal multipart/form-data reader for file uploads. File names are read as raw UTF-8 from the
 * Content-Disposition header, as Fortnox does; RFC 2047/5987 encodings are kept literally, as Fortnox
 * stores them literally too (fortnox-api.md §3.3).
 */
export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m === null ? undefined : (m[1] ?? m[2]);
}

export function parseMultipart(body: Buffer, boundary: string): UploadedFile[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const files: UploadedFile[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    const start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString('latin1') === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    const part = body.subarray(start + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
      const field = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
      const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? /\bfilename=([^;\s]+)/i.exec(disposition)?.[1];
      const contentType = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
      if (filename !== undefined) files.push({ field, filename, contentType, data: Buffer.from(part.subarray(headerEnd + 4)) });
    }
    pos = next;
  }
  return files;
}
