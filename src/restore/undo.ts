import { runBackup, type BackupDeps } from '../backup/index.ts';
import { RestoreError } from './errors.ts';
import type { UndoSnapshot } from './apply.ts';

/**
 * The undo point of a register restore: a backup run of the data sets about to be written (the
 * others are carried forward by the backup), so the state just before the restore is a snapshot
 * like any other and can itself be restored. A restore does not start without it.
 */
export function undoSnapshotByBackup(deps: BackupDeps): UndoSnapshot {
  return async (datasets) => {
    const result = await runBackup(deps, { datasets, trigger: 'manual' });
    if (result.snapshotId === null || result.status === 'failed') {
      throw new RestoreError('RESTORE_NO_UNDO_POINT', `The backup before the restore failed (${result.error?.message ?? result.status}); nothing was written. Fix the backup and try again.`);
    }
    return result.snapshotId;
  };
}
