import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.ts';

/** A key-encryption key: 32 bytes, named by an id that is stored beside everything it wraps. */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The master keys a process knows: `current` wraps new and rotated tenant keys; `old` ones only
 * unwrap tenant keys not yet rotated.
 */
export interface MasterKeyring {
  readonly current: MasterKey;
  readonly old: readonly MasterKey[];
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A new master key, base64, as `openssl rand -base64 32` prints one. */
export function generateMasterKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * Reads `NOX_MASTER_KEY` (base64 of 32 bytes), `NOX_MASTER_KEY_ID` and `NOX_MASTER_KEYS_OLD`
 * (`id:base64,id:base64`), reporting every problem at once. Values are never echoed in messages.
 */
export function masterKeyringFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): MasterKeyring {
  const problems: string[] = [];
  const decode = (name: string, value: string): Buffer | undefined => {
    const bytes = Buffer.from(value.trim(), 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value.trim()) || bytes.length !== 32) {
      problems.push(`${name}: expected 32 bytes in base64 (e.g. from \`openssl rand -base64 32\`), got ${bytes.length} bytes`);
      return undefined;
    }
    return bytes;
  };
  const id = env.NOX_MASTER_KEY_ID ?? '';
  if (!KEY_ID.test(id)) problems.push('NOX_MASTER_KEY_ID: expected 1-64 characters of [A-Za-z0-9._-], e.g. "2025-01"');
  const raw = env.NOX_MASTER_KEY ?? '';
  const key = raw === '' ? (problems.push('NOX_MASTER_KEY: required (32 bytes in base64)'), undefined) : decode('NOX_MASTER_KEY', raw);
  const old: MasterKey[] = [];
  for (const item of (env.NOX_MASTER_KEYS_OLD ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const colon = item.indexOf(':');
    const oldId = colon < 0 ? '' : item.slice(0, colon);
    if (!KEY_ID.test(oldId)) {
      problems.push('NOX_MASTER_KEYS_OLD: expected "id:base64" items separated by commas');
      continue;
    }
    const oldKey = decode(`NOX_MASTER_KEYS_OLD (${oldId})`, item.slice(colon + 1));
    if (oldId === id || old.some((k) => k.id === oldId)) problems.push(`NOX_MASTER_KEYS_OLD: key id ${oldId} appears twice`);
    else if (oldKey !== undefined) old.push({ id: oldId, key: oldKey });
  }
  if (problems.length > 0 || key === undefined) throw new ConfigError(problems);
  return Object.freeze({ current: Object.freeze({ id, key }), old: Object.freeze(old.map((k) => Object.freeze(k))) });
}

export function findMasterKey(ring: MasterKeyring, id: string): MasterKey | undefined {
  return ring.current.id === id ? ring.current : ring.old.find((k) => k.id === id);
}
