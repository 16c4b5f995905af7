/**
 * A backup run in a child process, for the kill-and-resume test: it SIGKILLs itself once it has sent
 * NOX_KILL_AFTER requests (checked every millisecond, so the kill lands wherever the run happens to be:
 * mid-request, mid-pack, mid-journal). With NOX_RESUME_RUN_ID it resumes that run. Prints the result.
 */
import { openDatabase } from '../db/open-database.ts';
import { FortnoxClient, MemoryTokenStore } from '../fortnox/index.ts';
import { openRepository } from '../repository/repository.ts';
import { FsObjectStore } from '../storage/fs-store.ts';
import { runBackup } from './run-backup.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

const client = new FortnoxClient({
  clientId: env('NOX_SIM_CLIENT_ID'), clientSecret: env('NOX_SIM_CLIENT_SECRET'), apiUrl: env('NOX_SIM_API_URL'), authUrl: env('NOX_SIM_AUTH_URL'),
  tokenStore: new MemoryTokenStore(), rateLimit: 25, rateWindowMs: Number(env('NOX_RATE_WINDOW_MS')), retry: { baseDelayMs: 20, maxDelayMs: 200 },
});
const fortnoxTenant = env('NOX_FORTNOX_TENANT');
await client.tokens.connectServiceAccount(fortnoxTenant);
const reader = client.reader(fortnoxTenant);
const db = await openDatabase({ sqlitePath: env('NOX_SQLITE_PATH'), migrate: false });
const masterKeys = { current: { id: 'test-1', key: Buffer.from(env('NOX_MASTER_KEY'), 'base64') }, old: [] };
const repo = await openRepository({ store: new FsObjectStore({ root: env('NOX_REPO_DIR'), fsync: false }), tenantId: env('NOX_TENANT_ID'), masterKeys });

const killAfter = process.env.NOX_KILL_AFTER === undefined ? Infinity : Number(process.env.NOX_KILL_AFTER);
const base = reader.stats.attempts;
setInterval(() => {
  if (reader.stats.attempts - base >= killAfter) process.kill(process.pid, 'SIGKILL');
}, 1).unref();

const result = await runBackup(
  { db, repository: repo, reader, tenantId: env('NOX_TENANT_ID'), now: () => new Date(Number(env('NOX_NOW'))) },
  { refreshFraction: 0, journalEvery: Number(process.env.NOX_JOURNAL_EVERY ?? 25), ...(process.env.NOX_RESUME_RUN_ID === undefined ? {} : { resumeRunId: process.env.NOX_RESUME_RUN_ID }) },
);
process.stdout.write(JSON.stringify(result));
await db.destroy();
