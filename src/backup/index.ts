/** The backup run (docs/backup.md): what the CLI, the scheduler and the demo call. */
export { runBackup, selectDataSets, BackupError, type BackupDeps, type BackupOptions, type BackupResult, type BackupDataSetResult, type BackupProgress } from './run-backup.ts';
export { lowerBoundRequests, sweepRequests, listPages, type CompanyContents } from './lower-bound.ts';
export * from './layout.ts';
