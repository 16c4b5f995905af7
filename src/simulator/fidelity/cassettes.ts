/**
 * Loads the real Fortnox HTTP interactions recorded as VCR cassettes in ../shared/fortnox/recorded/
 * (see ../shared/fortnox/SOURCE.md). Test data only; never copied into the project.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const RECORDED_DIR = fileURLToPath(new URL('../../../../shared/fortnox/recorded/', import.meta.url));

export interface RecordedInteraction {
  /** Path of the cassette relative to the recorded folder, e.g. `customers/find_failure.yml`. */
  file: string;
  method: string;
  url: URL;
  requestBody: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Cassette {
  http_interactions: {
    request: { method: string; uri: string; body?: { string?: string } };
    response: { status: { code: number }; headers?: Record<string, string[]>; body?: { string?: string } };
  }[];
}

export function loadRecordedInteractions(dir: string = RECORDED_DIR): RecordedInteraction[] {
  const out: RecordedInteraction[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.yml')) continue;
    const full = join(entry.parentPath, entry.name);
    const cassette = parse(readFileSync(full, 'utf8')) as Cassette;
    for (const i of cassette.http_interactions) {
      out.push({
        file: relative(dir, full),
        method: i.request.method.toUpperCase(),
        url: new URL(i.request.uri),
        requestBody: i.request.body?.string ?? '',
        status: i.response.status.code,
        headers: Object.fromEntries(Object.entries(i.response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v.join(', ')])),
        body: i.response.body?.string ?? '',
      });
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}
