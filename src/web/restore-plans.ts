/**
 * Restore plans made on the web, kept on the server between "show the plan" and "apply it": the apply
 * form carries only the plan's id and hash, so what is written is exactly the plan the user was shown,
 * never a plan sent back by the browser. One JSON file per plan under
 * `<dataDir>/restore-plans/<tenantId>/<planId>.json`; a plan is good for PLAN_TTL_MS and is used once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RestorePlan } from '../restore/plan.ts';

/** How long a plan may be applied after it was made: Fortnox moves on, so an old plan is planned again. */
export const PLAN_TTL_MS = 60 * 60 * 1000;

export interface StoredPlan {
  readonly id: string;
  readonly tenantId: string;
  /** The user who made the plan. */
  readonly createdBy: string;
  readonly createdAt: string;
  /** SHA-256 of the plan's JSON: the apply form sends it back, and it must match. */
  readonly hash: string;
  readonly selection: { readonly snapshotId: string; readonly datasets: readonly string[]; readonly records: readonly string[] };
  readonly plan: RestorePlan;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TENANT = /^[A-Za-z0-9-]{1,64}$/;

export function isPlanId(id: string): boolean {
  return UUID.test(id);
}

function planDir(dataDir: string, tenantId: string): string {
  if (!TENANT.test(tenantId)) throw new RangeError(`Bad tenant id ${tenantId}`);
  return join(dataDir, 'restore-plans', tenantId);
}

export function planHash(plan: RestorePlan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

export async function savePlan(
  dataDir: string,
  input: { tenantId: string; createdBy: string; createdAt: Date; selection: StoredPlan['selection']; plan: RestorePlan },
): Promise<StoredPlan> {
  const dir = planDir(dataDir, input.tenantId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await pruneStalePlans(dir, input.createdAt);
  const stored: StoredPlan = {
    id: randomUUID(), tenantId: input.tenantId, createdBy: input.createdBy, createdAt: input.createdAt.toISOString(), hash: planHash(input.plan),
    selection: input.selection, plan: input.plan,
  };
  await writeFile(join(dir, `${stored.id}.json`), JSON.stringify(stored), { mode: 0o600 });
  return stored;
}

/** The tenant's plan, or undefined (another tenant's id, a bad id, or a plan used or gone). */
export async function loadPlan(dataDir: string, tenantId: string, id: string): Promise<StoredPlan | undefined> {
  if (!isPlanId(id)) return undefined;
  let text: string;
  try {
    text = await readFile(join(planDir(dataDir, tenantId), `${id}.json`), 'utf8');
  } catch {
    return undefined;
  }
  const stored = JSON.parse(text) as StoredPlan;
  return stored.tenantId === tenantId && stored.id === id ? stored : undefined;
}

export function planExpired(plan: StoredPlan, now: Date): boolean {
  return now.getTime() - Date.parse(plan.createdAt) > PLAN_TTL_MS;
}

/** A plan is applied once: it is removed when its apply starts. */
export async function deletePlan(dataDir: string, tenantId: string, id: string): Promise<void> {
  if (!isPlanId(id)) return;
  await rm(join(planDir(dataDir, tenantId), `${id}.json`), { force: true });
}

async function pruneStalePlans(dir: string, now: Date): Promise<void> {
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (s !== undefined && now.getTime() - s.mtimeMs > 24 * PLAN_TTL_MS) await rm(path, { force: true });
  }
}
