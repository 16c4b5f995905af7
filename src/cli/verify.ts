import type { Command } from './command.ts';
import { parseCommandArgs } from './command.ts';
import { APP_OPTIONS, COMMON_HELP, formatBytes, printJson, shortId, table, TENANT_OPTION, tenantFor, withApp } from './app-command.ts';
import { listVerificationRuns } from '../db/verification-runs.ts';
import { UsageError } from '../errors.ts';
import { repositoryForVerification, verify, type Finding, type VerificationReport } from '../verify/verify.ts';

const USAGE = `Usage: noxbackup verify [--tenant T] [--snapshot S] [--read-data[=PERCENT]] [--json] [--data-dir DIR]
       noxbackup verify --list [--tenant T] [--json] [--data-dir DIR]

Checks a tenant's backups and stores the result:
  - structure: every snapshot's manifest, trees, records and attachments are indexed in packs that exist;
  - with --read-data: reads and decrypts every pack (or PERCENT of them, a different part each run, so
    100/PERCENT runs read everything) and checks each blob against its id;
  - the books of the newest snapshot (or --snapshot S, an id prefix): per financial year from its SIE 4 file,
    opening balances + transactions = closing balances, results = transactions, balanced vouchers, and
    vouchers in the snapshot = #VER in the SIE file = Fortnox's count at backup time.
Damage is named: the object, and the snapshots, data sets and records that use it.
Exit code: 0 no errors (warnings are listed), 1 problems found, 2 bad usage.
  --tenant T          tenant id, Fortnox tenant id or name prefix (default: the only one)
  --snapshot S        check the books of this snapshot (id prefix)
  --read-data[=P]     read and decrypt P % of the data (default 100)
  --list              list the stored verification runs (newest first) instead of verifying
${COMMON_HELP}`;

const OPTIONS = { ...APP_OPTIONS, ...TENANT_OPTION, snapshot: { type: 'string' }, 'read-data': { type: 'string' }, list: { type: 'boolean' } } as const;

export const command: Command = {
  usage: USAGE,
  run: async (rawArgs) => {
    // `--read-data` alone means everything; parseArgs wants a value for a string option.
    const args = rawArgs.map((a) => (a === '--read-data' ? '--read-data=100' : a));
    const { values, positionals } = parseCommandArgs('verify', args, OPTIONS, true);
    if (positionals.length > 0) throw new UsageError(`verify: unexpected ${JSON.stringify(positionals.join(' '))}. See \`noxbackup verify --help\`.`);
    let readData: number | undefined;
    if (values['read-data'] !== undefined) {
      const raw = values['read-data'].replace(/%$/, '');
      readData = Number(raw);
      if (raw === '' || !Number.isFinite(readData) || readData <= 0 || readData > 100) {
        throw new UsageError(`verify: --read-data must be a percentage above 0 and at most 100, got ${JSON.stringify(values['read-data'])}`);
      }
    }
    if (values.snapshot !== undefined && !/^[0-9a-f]{4,64}$/i.test(values.snapshot)) {
      throw new UsageError(`verify: --snapshot takes at least 4 hex digits of a snapshot id, got ${JSON.stringify(values.snapshot)}`);
    }
    if (values.list === true && (readData !== undefined || values.snapshot !== undefined)) throw new UsageError('verify: --list takes no --read-data or --snapshot');
    return withApp(values['data-dir'], async (app) => {
      const tenant = await tenantFor(app, values.tenant);
      if (values.list === true) {
        const runs = await listVerificationRuns(app.db, tenant.id, { limit: 50 });
        if (values.json === true) printJson(runs.map(({ report: _report, ...r }) => r));
        else if (runs.length === 0) console.log(`No verification runs for ${tenant.name} yet.`);
        else {
          const rows = [['STARTED', 'TRIGGER', 'RESULT', 'ERRORS', 'WARNINGS', 'DATA READ', 'SNAPSHOT', 'RUN']];
          for (const r of runs) {
            const read = r.readPercent === null ? '–' : `${r.readPercent} % (${(r.readSlot ?? 0) + 1}/${r.readSlots}), ${formatBytes(r.bytesRead)}`;
            rows.push([r.startedAt, r.trigger, r.ok ? 'ok' : 'PROBLEMS', String(r.errors), String(r.warnings), read, r.snapshotId === null ? '–' : shortId(r.snapshotId), r.id]);
          }
          console.log(table(rows));
        }
        return 0;
      }
      const report = await verify(repositoryForVerification(app, tenant.id), app.db, tenant.id, {
        readData,
        snapshot: values.snapshot?.toLowerCase(),
        trigger: 'cli',
      });
      if (values.json === true) printJson(report);
      else console.log(formatReport(report, tenant.name));
      return report.ok ? 0 : 1;
    });
  },
};

/** The human-readable report. */
export function formatReport(r: VerificationReport, tenantName: string): string {
  const lines: string[] = [];
  lines.push(`Verification of ${tenantName} (${r.tenantId}) — ${r.ok ? 'OK' : 'PROBLEMS FOUND'}: ${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}`);
  if (r.structure !== null) lines.push(`Structure:   ${r.structure.snapshots} snapshots, ${r.structure.blobs} blobs referenced, ${r.structure.packs} packs`);
  else lines.push('Structure:   not checked (the repository could not be opened)');
  if (r.data !== null) {
    lines.push(
      `Data read:   ${r.data.packsRead} of ${r.data.packs} packs (${r.data.percent} %, slot ${r.data.slot + 1} of ${r.data.slots}), ${r.data.blobsRead} blobs, ${formatBytes(r.data.bytesRead)} decrypted and checked`,
    );
  } else lines.push('Data read:   not requested (use --read-data)');
  if (r.snapshot !== null) {
    lines.push(`Books of snapshot ${shortId(r.snapshot.id)} (${r.snapshot.time}):`);
    if (r.books.length === 0) lines.push('  no SIE 4 files');
    for (const b of r.books) {
      const period = b.from === null ? '' : ` ${b.from} – ${b.to}`;
      const counts = `vouchers: snapshot ${b.vouchersInSnapshot ?? '–'}, SIE ${b.vouchersInSie ?? '–'}, Fortnox at backup ${b.vouchersAtBackup ?? '–'}`;
      const books = b.vouchersInSie === null ? 'unreadable' : b.unbalancedVouchers + b.balanceMismatches + b.resultMismatches === 0 ? 'balanced' : `${b.unbalancedVouchers} unbalanced vouchers, ${b.balanceMismatches} IB+trans≠UB, ${b.resultMismatches} RES≠trans`;
      lines.push(`  year ${b.financialYear}${period}: ${counts}; books ${books}`);
    }
  }
  const errors = r.findings.filter((f) => f.severity === 'error');
  const warnings = r.findings.filter((f) => f.severity === 'warning');
  if (errors.length > 0) lines.push('', 'Errors:', ...errors.map(formatFinding));
  if (warnings.length > 0) lines.push('', 'Warnings:', ...warnings.map(formatFinding));
  lines.push('', `Stored as verification run ${r.id}.`);
  return lines.join('\n');
}

function formatFinding(f: Finding): string {
  const where = [f.object === undefined ? undefined : `object ${f.object}`, f.blobId === undefined ? undefined : `blob ${f.blobId}`].filter((x) => x !== undefined).join(', ');
  return `  [${f.code}] ${f.message}${where === '' ? '' : `\n      (${where})`}`;
}
