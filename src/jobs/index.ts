/** Jobs: the queue port and its in-process adapter, the nightly scheduler, and the backup job. */
export type { Job, JobHandler, JobQueue, JobSpec, JobState, EnqueueResult } from './job-queue.ts';
export { MemoryJobQueue } from './memory-job-queue.ts';
export { Scheduler, BACKUP_JOB, type BackupJobData, type SchedulerOptions } from './scheduler.ts';
export { parseBackupWindow, backupWindowFromEnv, latestPlannedRun, plannedRun, tenantOffset, localDate, zonedInstant, DEFAULT_BACKUP_WINDOW, type BackupWindow, type PlannedRun } from './backup-window.ts';
export { startBackupService, type BackupService } from './backup-service.ts';
export { backupTenant, unfinishedRun, workBackups } from './backup-job.ts';
