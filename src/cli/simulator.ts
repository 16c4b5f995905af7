import type { Command } from './command.ts';
export const command: Command = { usage: 'noxbackup simulator', run: async () => { console.log('simulator: not yet'); return 0; } };
