import { NoxError } from '../errors.ts';
import type { CommandEntry } from './command.ts';

// Commands are loaded on demand so `--help` and small commands start fast.
const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', summary: 'Serve the web application with its backup queue and nightly schedule (`--demo`: with a simulated Fortnox)', load: async () => (await import('./serve.ts')).command },
  { name: 'demo', summary: 'Simulate a company, back it up, simulate a day, back up again, verify (the README\'s main job)', load: async () => (await import('./demo.ts')).command },
  { name: 'tenant', summary: 'Connect a Fortnox company (`tenant add`) or list them (`tenant list`)', load: async () => (await import('./tenant.ts')).command },
  { name: 'backup', summary: 'Back up a tenant\'s Fortnox data now', load: async () => (await import('./backup.ts')).command },
  { name: 'snapshots', summary: 'List a tenant\'s snapshots', load: async () => (await import('./snapshots.ts')).command },
  { name: 'show', summary: 'Show a snapshot, a data set in it, or one record', load: async () => (await import('./show.ts')).command },
  { name: 'diff', summary: 'What changed between two snapshots', load: async () => (await import('./diff.ts')).command },
  { name: 'history', summary: 'Every version of one record', load: async () => (await import('./history.ts')).command },
  { name: 'verify', summary: 'Check the repository, the data and the books', load: async () => (await import('./verify.ts')).command },
  { name: 'export', summary: 'Export a snapshot to a ZIP (JSON, CSV, SIE, files, PDFs)', load: async () => (await import('./export.ts')).command },
  { name: 'restore', summary: 'Plan or apply a restore into Fortnox; assisted restore requests', load: async () => (await import('./restore.ts')).command },
  { name: 'gc', summary: 'Remove repository objects no snapshot needs', load: async () => (await import('./gc.ts')).command },
  { name: 'sie', summary: 'Work with SIE files: `sie inspect FILE [--json]`', load: async () => (await import('./sie.ts')).command },
  { name: 'simulator', summary: 'Run the Fortnox API simulator (for tests, demos and benchmarks)', load: async () => (await import('./simulator.ts')).command },
];

const HELP = `noxbackup — automatic, encrypted backups of Fortnox data

Usage: noxbackup <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n')}

Run \`noxbackup <command> --help\` for a command's options.
Configuration comes from environment variables; see README.md.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log('noxbackup 0.1.0');
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry === undefined) {
    console.error(`noxbackup: unknown command ${JSON.stringify(name)}.\n\n${HELP}`);
    return 2;
  }
  try {
    const command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(command.usage);
      return 0;
    }
    return await command.run(rest);
  } catch (err) {
    if (err instanceof NoxError) {
      console.error(`noxbackup ${name}: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}
