import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestWeb, type TestWeb } from './web.test-support.ts';

let t: TestWeb;
before(async () => {
  t = await startTestWeb();
});
after(async () => {
  await t.close();
});

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { summary?: string; tags?: string[]; parameters?: { name: string; in: string }[] }>>;
}

test('every JSON API route is in the OpenAPI document with a summary, a tag and its path parameters', async () => {
  const res = await fetch(`${t.url}/api/openapi.json`);
  assert.equal(res.status, 200);
  const doc = (await res.json()) as OpenApi;
  assert.match(doc.openapi, /^3\./);
  const api = t.web.server.noxRoutes.filter((r) => r.url.startsWith('/api/v1/'));
  assert.ok(api.length >= 20, `${api.length} API routes`);
  for (const r of api) {
    assert.equal(r.config.api, true, `${r.method} ${r.url} is marked as an API route`);
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[path]?.[r.method.toLowerCase()];
    assert.ok(op !== undefined, `${r.method} ${r.url} is documented`);
    assert.ok((op.summary ?? '') !== '', `${r.method} ${r.url} has a summary`);
    assert.ok((op.tags ?? []).length > 0, `${r.method} ${r.url} has a tag`);
    for (const name of [...r.url.matchAll(/:(\w+)/g)].map((x) => x[1]!)) {
      assert.ok((op.parameters ?? []).some((p) => p.in === 'path' && p.name === name), `${r.method} ${r.url} documents :${name}`);
    }
  }
  for (const path of Object.keys(doc.paths)) assert.ok(path.startsWith('/api/v1/'), `only the API is documented, not ${path}`);
});
