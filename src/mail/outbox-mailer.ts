import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Mailer, MailMessage } from './mailer.ts';

/**
 * The development mailer: each message becomes an RFC 5322 `.eml` file in a directory (open it in any
 * mail client), and one log line says where. Messages are composed by nodemailer's own composer, so a
 * file in the outbox is what the SMTP transport would have sent.
 */
export class OutboxMailer implements Mailer {
  readonly #dir: string;
  readonly #from: string;
  readonly #log: (line: string) => void;
  #lastStamp = 0;

  constructor(options: { dir: string; from: string; log: (line: string) => void }) {
    this.#dir = options.dir;
    this.#from = options.from;
    this.#log = options.log;
  }

  async send(message: MailMessage): Promise<void> {
    const raw = await composeMessage(this.#from, message);
    // Strictly increasing stamps within a process keep file names in sending order for readOutbox.
    this.#lastStamp = Math.max(Date.now(), this.#lastStamp + 1);
    const stamp = new Date(this.#lastStamp).toISOString().replace(/[-:]/g, '').replace('.', '');
    const file = join(this.#dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
    await mkdir(this.#dir, { recursive: true });
    // Written whole then renamed, so a reader polling the directory (the e2e test) never sees half a message.
    await writeFile(`${file}.tmp`, raw);
    await rename(`${file}.tmp`, file);
    this.#log(`mail to ${message.to}: ${message.subject} (${file})`);
  }
}

export interface OutboxMessage extends ParsedMessage {
  /** The `.eml` file's path. */
  readonly file: string;
}

/** The messages in an outbox directory, oldest first (none if the directory does not exist yet). */
export async function readOutbox(dir: string): Promise<OutboxMessage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files = names.filter((n) => n.endsWith('.eml')).sort();
  return Promise.all(files.map(async (name) => ({ ...parseMessage(await readFile(join(dir, name))), file: join(dir, name) })));
}

const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

async function composeMessage(from: string, message: MailMessage): Promise<Buffer> {
  const info = await composer.sendMail({ from, to: message.to, subject: message.subject, text: message.text, ...(message.html === undefined ? {} : { html: message.html }) });
  return info.message as Buffer;
}

export interface ParsedMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  /** The text/plain body (of a multipart/alternative message, its text/plain part), decoded, without a final line break. */
  readonly text: string;
}

interface Entity {
  readonly headers: Map<string, string>;
  readonly body: string;
}

function splitEntity(raw: string): Entity {
  const end = raw.indexOf('\n\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const headers = new Map<string, string>();
  // Unfold continuation lines (RFC 5322 §2.2.3) before splitting into fields.
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: end < 0 ? '' : raw.slice(end + 2) };
}

function param(header: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header);
  return m === null ? undefined : (m[1] ?? m[2]);
}

function decodeWith(charset: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('utf8');
  }
}

function quotedPrintable(text: string): Buffer {
  const soft = text.replace(/[ \t]*=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft[i] === '=' ? soft.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** Decodes RFC 2047 encoded words; adjacent ones are joined before decoding, as one character may span two. */
export function decodeHeader(value: string): string {
  const words = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  let out = '';
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = (): void => {
    if (pending !== undefined) out += decodeWith(pending.charset, Buffer.concat(pending.bytes));
    pending = undefined;
  };
  for (const m of value.matchAll(words)) {
    const between = value.slice(last, m.index);
    if (pending === undefined || !/^\s*$/.test(between)) {
      flush();
      out += between;
    }
    const [charset, encoding, text] = [m[1]!, m[2]!.toUpperCase(), m[3]!];
    const bytes = encoding === 'B' ? Buffer.from(text, 'base64') : quotedPrintable(text.replace(/_/g, ' '));
    if (pending !== undefined && pending.charset.toLowerCase() === charset.toLowerCase()) pending.bytes.push(bytes);
    else {
      flush();
      pending = { charset, bytes: [bytes] };
    }
    last = m.index + m[0].length;
  }
  flush();
  return out + value.slice(last);
}

function textOf(entity: Entity): string | undefined {
  const type = entity.headers.get('content-type') ?? 'text/plain';
  if (/^multipart\//i.test(type)) {
    const boundary = param(type, 'boundary');
    if (boundary === undefined) return undefined;
    const parts = entity.body.split(`--${boundary}`).slice(1);
    for (const part of parts) {
      if (part.startsWith('--')) break;
      // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1), not to the part.
      const text = textOf(splitEntity(part.replace(/^[ \t]*\n/, '').replace(/\n$/, '')));
      if (text !== undefined) return text;
    }
    return undefined;
  }
  if (!/^text\/plain/i.test(type)) return undefined;
  const charset = param(type, 'charset') ?? 'utf-8';
  const encoding = (entity.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  // Composers end the body with a line break whether the text had one or not, so it is not part of the text.
  const body = entity.body.replace(/\n$/, '');
  if (encoding === 'quoted-printable') return decodeWith(charset, quotedPrintable(body));
  if (encoding === 'base64') return decodeWith(charset, Buffer.from(body, 'base64'));
  return body;
}

/** Reads the parts of a message the tests and the development outbox need; not a general MIME parser. */
export function parseMessage(raw: Buffer | string): ParsedMessage {
  const entity = splitEntity(raw.toString().replace(/\r\n/g, '\n'));
  const header = (name: string): string => decodeHeader(entity.headers.get(name) ?? '');
  return { from: header('from'), to: header('to'), subject: header('subject'), text: textOf(entity) ?? '' };
}
