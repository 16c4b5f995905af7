import { BINARY_READ_PATHS, CATALOGUE, DATA_SET_NAMES } from './catalogue.ts';
import { FortnoxForbiddenPathError } from './errors.ts';

/**
 * GET endpoints with side effects: `print` marks an invoice as sent, `email`/`eprint`/`einvoice` send
 * it to the customer, `printreminder` sends a reminder. No code in this project may call them, reader
 * or writer. (State-changing PUT actions such as `bookkeep` are writes: the writer may use them, the
 * reader's allow-list excludes them.)
 */
const SIDE_EFFECT_SEGMENTS = new Set(['print', 'email', 'eprint', 'einvoice', 'printreminder']);

function segmentsOf(pathname: string): string[] {
  if (!pathname.startsWith('/')) throw new FortnoxForbiddenPathError(pathname, 'not an absolute path');
  const raw = pathname.slice(1).split('/');
  return raw.map((s) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      throw new FortnoxForbiddenPathError(pathname, 'malformed percent-encoding');
    }
    // Fortnox (or a proxy) may decode %2F; an identifier must never be able to add segments.
    if (decoded === '' || decoded === '.' || decoded === '..' || /[/\\]/.test(decoded)) {
      throw new FortnoxForbiddenPathError(pathname, `segment ${JSON.stringify(decoded)} is not allowed`);
    }
    return decoded;
  });
}

/** Throws unless no segment of `pathname` names a side-effecting action. */
export function assertNoSideEffects(pathname: string): void {
  for (const seg of segmentsOf(pathname)) {
    if (SIDE_EFFECT_SEGMENTS.has(seg.toLowerCase())) throw new FortnoxForbiddenPathError(pathname, `"${seg}" has side effects in Fortnox`);
  }
}

function compile(template: string): RegExp {
  const parts = template.slice(1).split('/').map((p) => (/^\{\w+\}$/.test(p) ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^/${parts.join('/')}$`, 'i');
}

const READABLE: readonly RegExp[] = [
  ...DATA_SET_NAMES.flatMap((n) => [CATALOGUE[n].listPath, CATALOGUE[n].detailPath]).filter((p): p is string => p !== null),
  ...BINARY_READ_PATHS,
].map(compile);

/**
 * The backup side's guard, applied to the final URL of every request: only catalogue paths and the
 * listed binary reads pass; side-effecting actions never do, however the path was built.
 */
export function assertReadablePath(pathname: string): void {
  assertNoSideEffects(pathname);
  if (!READABLE.some((re) => re.test(pathname))) throw new FortnoxForbiddenPathError(pathname, 'not a path the backup reads');
}
