/** Tiny HTTP servers and fixtures for the Fortnox client's unit tests. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface LocalServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export type Handler = (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export async function startLocalServer(handler: Handler): Promise<LocalServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const seen: SeenRequest = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() };
      requests.push(seen);
      Promise.resolve(handler(seen, res, raw)).catch((e: unknown) => {
        res.statusCode = 599;
        res.end(String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** An unsigned JWT-shaped token with the given claims (the client never verifies signatures). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'none', typ: 'JWT' })}.${b(claims)}.sig`;
}

export interface Cassette {
  /** Path under recorded/, e.g. `customers/find_failure.yml`. */
  name: string;
  method: string;
  uri: string;
  status: number;
  contentType: string | undefined;
  /** The body exactly as Fortnox sent it (escapes intact). */
  body: string;
}

export const RECORDED_DIR = fileURLToPath(new URL('../../../shared/fortnox/recorded/', import.meta.url));

/** Every interaction in the shared recordings, read in place (never copied into the project). */
export function loadCassettes(): Cassette[] {
  const walk = (d: string): string[] => readdirSync(d).sort().flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith('.yml') ? [join(d, f)] : []));
  const out: Cassette[] = [];
  for (const file of walk(RECORDED_DIR)) {
    const doc = parse(readFileSync(file, 'utf8')) as { http_interactions: { request: { method: string; uri: string }; response: { status: { code: number }; headers: Record<string, string[]>; body: { string: string } } }[] };
    for (const i of doc.http_interactions) {
      out.push({
        name: file.slice(RECORDED_DIR.length),
        method: i.request.method.toUpperCase(),
        uri: i.request.uri,
        status: i.response.status.code,
        contentType: i.response.headers['Content-Type']?.[0],
        body: i.response.body.string,
      });
    }
  }
  return out;
}

/** The largest number of timestamps that fall in any half-open window [t, t + windowMs). */
export function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
