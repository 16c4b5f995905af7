import { badInput } from './errors.ts';

/**
 * Where each object lives in the store. One store may hold many tenants; everything of a tenant is
 * under `tenants/<tenant>/` except its wrapped keys, which live apart in `keys/<tenant>.json` so that
 * destroying one small object crypto-shreds the tenant.
 */
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DATASET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertTenantId(tenantId: string): void {
  if (!TENANT_ID.test(tenantId) || tenantId.includes('..')) throw badInput(`Invalid tenant id ${JSON.stringify(tenantId)}`);
}

export function assertDataset(dataset: string): void {
  if (!DATASET.test(dataset)) throw badInput(`Invalid data set name ${JSON.stringify(dataset)}: use [A-Za-z0-9._-]`);
}

export function keyFileKey(tenantId: string): string {
  return `keys/${tenantId}.json`;
}

/** Paths of one tenant's objects. Pack names are the SHA-256 of their bytes (hex). */
export class Layout {
  readonly root: string;

  constructor(tenantId: string) {
    assertTenantId(tenantId);
    this.root = `tenants/${tenantId}`;
  }

  /** A pack's key relative to the tenant root, as index files store it. */
  packName(kind: 'packs' | 'attachments', sha: string): string {
    return `${kind}/${sha.slice(0, 2)}/${sha}`;
  }

  abs(relative: string): string {
    return `${this.root}/${relative}`;
  }

  rel(absolute: string): string {
    return absolute.slice(this.root.length + 1);
  }

  get packsPrefix(): string {
    return `${this.root}/packs/`;
  }
  get attachmentsPrefix(): string {
    return `${this.root}/attachments/`;
  }
  get indexPrefix(): string {
    return `${this.root}/index/`;
  }
  get snapshotsPrefix(): string {
    return `${this.root}/snapshots/`;
  }
  get gcPrefix(): string {
    return `${this.root}/gc/`;
  }
  indexKey(name: string): string {
    return `${this.root}/index/${name}`;
  }
  snapshotKey(id: string): string {
    return `${this.root}/snapshots/${id}`;
  }
  gcMarkKey(name: string): string {
    return `${this.root}/gc/${name}`;
  }
  get gcLockKey(): string {
    return `${this.root}/locks/gc.json`;
  }
}
