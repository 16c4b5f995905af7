import type { Command } from './command.ts';
import { NoxError } from '../errors.ts';

// Placeholder until the command lands; registered in main.ts so parallel work never edits the same file.
export const command: Command = {
  usage: 'noxbackup verify (not available yet)',
  run: async () => {
    throw new NoxError('CLI_NOT_AVAILABLE', 'verify is not available in this build yet.', { exitCode: 2 });
  },
};
