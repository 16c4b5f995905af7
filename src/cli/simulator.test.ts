/**
 * The "done when", as a new user would do it: start `npx noxbackup simulator --size small`
 * as a separate process, then read the whole company with nothing but curl and jq
 * (scripts/curl-walk.sh): token by client credentials, every list page and detail, a file, a PDF and
 * the SIE files. Also checks the rate limit from the outside with curl's own requests.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
let child: ChildProcess;
let output = '';
let url = '';
let tenant = '';

before(async () => {
  child = spawn(process.execPath, [join(root, 'bin/noxbackup.mjs'), 'simulator', '--port', '0', '--size', 'small', '--rate-limit', '60', '--rate-window-ms', '1000'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => { output += chunk; });
  while (!/grant_type=client_credentials/.test(output)) {
    const [chunk] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => { throw new Error(`simulator exited: ${output}`); })])) as [string];
    void chunk;
  }
  url = /listening on (http:\/\/\S+)/.exec(output)?.[1] ?? '';
  tenant = /tenant (\d+)/.exec(output)?.[1] ?? '';
});

after(async () => {
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, 'stops cleanly on SIGINT');
  assert.match(output, /Stopping the simulator/);
});

test('prints its URL, the client id and secret, every tenant and a curl line for a token', () => {
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(output, /client id noxbackup-sim, client secret sim-secret/);
  assert.match(output, /tenant \d+\s+\d{6}-\d{4}\s+\S/);
  assert.match(output, /curl -s -u noxbackup-sim:sim-secret -H 'TenantId: \d+' -d grant_type=client_credentials/);
});

test('a plain curl walk reads a coherent company: every page and detail, a file, a PDF, the SIE files', async () => {
  const out = await mkdtemp(join(tmpdir(), 'nox-walk-'));
  try {
    // 60 requests per 1000 ms on the simulator; 18 ms apart (plus curl's own time) stays under it.
    const { stdout } = await run('bash', [join(root, 'scripts/curl-walk.sh'), url, 'noxbackup-sim', 'sim-secret', tenant, out], { env: { ...process.env, WALK_DELAY: '0.018' }, maxBuffer: 1 << 24 });
    assert.match(stdout, /^Company: .+ \(\d{6}-\d{4}\), tenant \d+$/m);
    for (const path of ['customers', 'suppliers', 'articles', 'projects', 'costcenters', 'invoices', 'supplierinvoices']) {
      const n = Number(new RegExp(`/3/${path}\\s+(\\d+) records`).exec(stdout)?.[1]);
      assert.ok(n > 0, `${path} read: ${stdout}`);
    }
    assert.ok((stdout.match(/^financial year /gm) ?? []).length >= 3, 'several financial years with their SIE files');
    assert.match(stdout, /attachment [0-9a-f-]+: (PDF document|JPEG image data)/);
    assert.match(stdout, /invoice \d+ preview: PDF, \d+ bytes/);
    assert.match(stdout, /walk complete: \d+ requests/);
    const counters = await (await fetch(`${url}/__sim/counters`)).json() as { rateLimited: number; sideEffects: Record<string, { printed: string[]; writes: number }> };
    assert.equal(counters.rateLimited, 0, 'a paced walk never hits the rate limit');
    assert.deepEqual(counters.sideEffects[tenant]?.printed, []);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('the 61st request inside the window is answered 429 and the next window is open again', async () => {
  const { stdout: tokenJson } = await run('curl', ['-s', '-u', 'noxbackup-sim:sim-secret', '-H', `TenantId: ${tenant}`, '-d', 'grant_type=client_credentials', `${url}/oauth-v1/token`]);
  const token = (JSON.parse(tokenJson) as { access_token: string }).access_token;
  await new Promise((r) => setTimeout(r, 1100)); // let the walk's requests leave the window
  // One curl process sending 70 requests at once (in parallel, so they all land inside the 1 s window
  // however slow the machine): exactly the limit is served, the rest are refused.
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}\\n', '-H', `Authorization: Bearer ${token}`];
  const urls = Array.from({ length: 70 }, () => ['--next', ...args, `${url}/3/costcenters`]).flat().slice(1);
  const { stdout } = await run('curl', ['--parallel', '--parallel-immediate', '--parallel-max', '70', ...urls]);
  const codes = stdout.trim().split('\n');
  assert.equal(codes.length, 70);
  assert.equal(codes.filter((c) => c === '200').length, 60, `the limit is served: ${codes.join(',')}`);
  assert.equal(codes.filter((c) => c === '429').length, 10, 'the rest get 429');
  await new Promise((r) => setTimeout(r, 1100));
  const { stdout: again } = await run('curl', args.concat(`${url}/3/costcenters`));
  assert.equal(again.trim(), '200');
});
