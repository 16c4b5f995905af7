import { canonicalJsonBytes, type JsonValue } from './canonical-json.ts';
import { hmacHex } from './crypto.ts';
import { corruptObject, RepoError } from './errors.ts';
import type { Vault } from './vault.ts';

export const FORMAT_VERSION = 1;

/** One data set in a snapshot: its tree, how many keys it holds, and whether the run got all of it. */
export interface DataSetSummary {
  readonly tree: string;
  readonly count: number;
  readonly complete: boolean;
  readonly incompleteReason?: string;
}

/**
 * The immutable commit point of a snapshot. Its id is the HMAC (id key) of its canonical bytes, so a
 * manifest is named by its content and cannot be altered without the keys.
 */
export interface SnapshotManifest {
  readonly format: 'noxbackup-snapshot';
  readonly version: number;
  readonly tenant: string;
  readonly time: string;
  readonly parent: string | null;
  readonly run: { readonly [key: string]: JsonValue };
  readonly datasets: { readonly [dataset: string]: DataSetSummary };
}

export interface SnapshotInfo extends SnapshotManifest {
  readonly id: string;
}

export function encodeManifest(vault: Vault, manifest: SnapshotManifest): { id: string; bytes: Buffer } {
  const plain = canonicalJsonBytes(manifest);
  const id = hmacHex(vault.idKey, 'manifest\0', plain);
  return { id, bytes: vault.sealObjectBytes('manifest', id, plain) };
}

export function decodeManifest(vault: Vault, object: string, id: string, sealed: Buffer): SnapshotInfo {
  const plain = vault.openObjectBytes(object, 'manifest', id, sealed);
  if (hmacHex(vault.idKey, 'manifest\0', plain) !== id) throw corruptObject(object, 'manifest', 'content does not match its id');
  const manifest = JSON.parse(plain.toString('utf8')) as SnapshotManifest;
  if (manifest.format !== 'noxbackup-snapshot') throw corruptObject(object, 'manifest', 'not a snapshot manifest');
  if (manifest.version > FORMAT_VERSION) {
    throw new RepoError(
      'REPO_UNSUPPORTED_FORMAT',
      `Snapshot ${id} has format version ${manifest.version}; this Noxbackup reads up to ${FORMAT_VERSION}. Upgrade Noxbackup.`,
      { object, version: manifest.version },
    );
  }
  if (manifest.tenant !== vault.tenantId) throw corruptObject(object, 'manifest', `belongs to tenant ${manifest.tenant}`);
  return { id, ...manifest };
}
