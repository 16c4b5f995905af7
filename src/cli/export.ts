import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from './command.ts';
import { parseCommandArgs } from './command.ts';
import { APP_OPTIONS, COMMON_HELP, formatBytes, printJson, resolveSnapshot, shortId, TENANT_OPTION, tenantFor, withApp } from './app-command.ts';
import { UsageError } from '../errors.ts';
import { exportSnapshot, resolveDatasets } from '../export/export.ts';

const USAGE = `Usage: noxbackup export SNAPSHOT --out FILE.zip [--datasets a,b] [--tenant T] [--json] [--data-dir DIR]

Writes a snapshot as a ZIP: JSON and Excel-friendly CSV per data set, the SIE files as Fortnox sent them,
connected files and invoice PDFs under readable names, manifest.json with the SHA-256 of every file, and
a README.txt in Swedish. SNAPSHOT is an id prefix or "latest".
  --out FILE.zip      where to write it (written to FILE.zip.partial, renamed when complete)
  --datasets a,b      only these: snapshot data sets (customers, vouchers, sie, filecontents …) or the
                      terms' groups (supplierInvoices, sie, vouchers, invoices, customers, articles,
                      projects, accounts, costcenters, suppliers)
  --tenant T          tenant id, Fortnox tenant id or name prefix (default: the only one)
${COMMON_HELP}`;

const OPTIONS = { ...APP_OPTIONS, ...TENANT_OPTION, out: { type: 'string', short: 'o' }, datasets: { type: 'string' } } as const;

export const command: Command = {
  usage: USAGE,
  run: async (args) => {
    const { values, positionals } = parseCommandArgs('export', args, OPTIONS, true);
    if (positionals.length !== 1) throw new UsageError('export: give exactly one SNAPSHOT (an id prefix or "latest"). See `noxbackup export --help`.');
    if (values.out === undefined || values.out === '') throw new UsageError('export: --out FILE.zip is required. See `noxbackup export --help`.');
    const datasets = values.datasets?.split(',').map((d) => d.trim()).filter((d) => d !== '');
    resolveDatasets(datasets); // a usage error before anything is opened
    const out = resolve(values.out);
    return withApp(values['data-dir'], async (app) => {
      const tenant = await tenantFor(app, values.tenant);
      const snapshot = await resolveSnapshot(app, tenant, positionals[0]!);
      const repo = await app.repositoryFor(tenant.id);
      const partial = `${out}.partial`;
      const progress = process.stderr.isTTY && values.json !== true;
      try {
        const summary = await exportSnapshot(repo, tenant.id, snapshot.snapshotId, createWriteStream(partial, { mode: 0o600 }), {
          datasets,
          onProgress: progress ? (p) => process.stderr.write(`\r${p.files} files, ${formatBytes(p.bytesIn)} → ${formatBytes(p.bytesOut)}   `) : undefined,
        });
        await rename(partial, out);
        if (progress) process.stderr.write('\n');
        if (values.json === true) printJson({ ...summary, path: out, mbPerSecond: summary.bytesIn / 1e6 / summary.seconds });
        else {
          console.log(`Exported snapshot ${shortId(summary.snapshotId)} of ${tenant.name} to ${out}`);
          console.log(`${summary.files} files, ${formatBytes(summary.bytesIn)} (ZIP ${formatBytes(summary.bytesOut)}) in ${summary.seconds.toFixed(1)} s, ${(summary.bytesIn / 1e6 / summary.seconds).toFixed(1)} MB/s`);
          for (const [ds, d] of Object.entries(summary.datasets)) if (!d.complete) console.log(`Note: ${ds} is incomplete in this snapshot.`);
          for (const w of summary.warnings) console.log(`Warning: ${w}`);
        }
        return 0;
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
    });
  },
};
