import { createHash } from 'node:crypto';
import type { BlobType } from './crypto.ts';
import { corruptPack, RepoError } from './errors.ts';
import type { Vault } from './vault.ts';

/**
 * A pack: `sealed blob ‖ … ‖ sealed blob ‖ sealed header ‖ header length (u32 BE) ‖ "NOXPACK1"`.
 * Each blob is sealed on its own (so it can be read by range and copied between packs without
 * re-encryption); the header lists every blob's id, type, offset and length, so a pack describes itself
 * and the index can be rebuilt from packs alone. A pack is named by the SHA-256 of its bytes, so its
 * integrity can be checked without any key.
 */
export const PACK_MAGIC = Buffer.from('NOXPACK1', 'ascii');
export const TRAILER_BYTES = 4 + PACK_MAGIC.length;
export const PACK_VERSION = 1;

export interface PackEntry {
  readonly id: string;
  readonly type: BlobType;
  readonly offset: number;
  readonly length: number;
}

type HeaderRow = [id: string, type: BlobType, offset: number, length: number];

interface PackHeader {
  v: number;
  blobs: HeaderRow[];
}

export class PackBuilder {
  readonly #parts: Buffer[] = [];
  readonly entries: PackEntry[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get count(): number {
    return this.entries.length;
  }

  /** Adds an already sealed blob. */
  add(id: string, type: BlobType, sealed: Buffer): PackEntry {
    const entry = { id, type, offset: this.#size, length: sealed.length };
    this.#parts.push(sealed);
    this.entries.push(entry);
    this.#size += sealed.length;
    return entry;
  }

  finish(vault: Vault): { bytes: Buffer; sha: string; entries: PackEntry[] } {
    const header: PackHeader = { v: PACK_VERSION, blobs: this.entries.map((e) => [e.id, e.type, e.offset, e.length]) };
    const sealedHeader = vault.sealObject('pack-header', '', header);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32BE(sealedHeader.length, 0);
    PACK_MAGIC.copy(trailer, 4);
    const bytes = Buffer.concat([...this.#parts, sealedHeader, trailer]);
    return { bytes, sha: sha256Hex(bytes), entries: [...this.entries] };
  }
}

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads a whole pack's header from its bytes; checks the trailer and that entries lie inside the pack. */
export function parsePack(vault: Vault, object: string, bytes: Buffer): PackEntry[] {
  if (bytes.length < TRAILER_BYTES || !bytes.subarray(bytes.length - PACK_MAGIC.length).equals(PACK_MAGIC)) {
    throw corruptPack(object, 'no pack trailer (truncated or not a pack)');
  }
  const headerLength = bytes.readUInt32BE(bytes.length - TRAILER_BYTES);
  const headerStart = bytes.length - TRAILER_BYTES - headerLength;
  if (headerStart < 0) throw corruptPack(object, 'header length runs past the start');
  return decodeHeader(vault, object, bytes.subarray(headerStart, bytes.length - TRAILER_BYTES), headerStart);
}

/** Reads only the trailer and header of a pack by range. */
export async function readPackHeader(vault: Vault, object: string, size: number): Promise<PackEntry[]> {
  if (size < TRAILER_BYTES) throw corruptPack(object, 'shorter than a trailer');
  const trailer = await vault.getRange(object, size - TRAILER_BYTES, TRAILER_BYTES, 'pack trailer');
  if (!trailer.subarray(4).equals(PACK_MAGIC)) throw corruptPack(object, 'no pack trailer (truncated or not a pack)');
  const headerLength = trailer.readUInt32BE(0);
  const headerStart = size - TRAILER_BYTES - headerLength;
  if (headerStart < 0) throw corruptPack(object, 'header length runs past the start');
  const header = await vault.getRange(object, headerStart, headerLength, 'pack header');
  return decodeHeader(vault, object, header, headerStart);
}

function decodeHeader(vault: Vault, object: string, sealed: Buffer, dataEnd: number): PackEntry[] {
  let header: PackHeader;
  try {
    header = vault.openObject<PackHeader>(object, 'pack-header', '', sealed);
  } catch (err) {
    throw corruptPack(object, 'header does not decrypt', err);
  }
  if (header.v !== PACK_VERSION) {
    throw new RepoError('REPO_UNSUPPORTED_FORMAT', `Pack ${object} has format ${header.v}; this Noxbackup reads ${PACK_VERSION}`, { object });
  }
  return header.blobs.map(([id, type, offset, length]) => {
    if (offset < 0 || length <= 0 || offset + length > dataEnd) throw corruptPack(object, `blob ${id} lies outside the pack`);
    return { id, type, offset, length };
  });
}
