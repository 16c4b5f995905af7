import type { AnySchemaDb, DialectName } from '../dialect.ts';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_backup_journal.ts';
import * as m0003 from './0003_verification.ts';
import * as m0004 from './0004_restore.ts';
import * as m0005 from './0005_accounts.ts';

export interface Migration {
  /** `NNNN_what`: applied in this order, recorded by this name, never edited once released. */
  readonly name: string;
  up(db: AnySchemaDb, dialect: DialectName): Promise<void>;
}

/** Every migration this code knows, oldest first. Add new ones at the end; never change or remove one. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { name: '0001_initial', up: m0001.up },
  { name: '0002_backup_journal', up: m0002.up },
  { name: '0003_verification', up: m0003.up },
  { name: '0004_restore', up: m0004.up },
  { name: '0005_accounts', up: m0005.up },
]);
