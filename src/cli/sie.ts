import type { Command } from './command.ts';
export const command: Command = { usage: 'noxbackup sie inspect FILE [--json]', run: async () => { console.log('sie: not yet'); return 0; } };
