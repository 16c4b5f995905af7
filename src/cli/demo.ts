import type { Command } from './command.ts';
export const command: Command = { usage: 'noxbackup demo', run: async () => { console.log('demo: not yet'); return 0; } };
