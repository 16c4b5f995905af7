import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { NoxError, UsageError } from '../errors.ts';
import { SieFormatError } from '../sie/errors.ts';
import { formatInspection, inspectSie, type Lang } from '../sie/inspect.ts';
import { parseCommandArgs, type Command } from './command.ts';

const USAGE = `Usage: noxbackup sie inspect FILE [--json] [--lang sv|en]

Reads a SIE file (types 1–4 and 4I, CP437 or UTF-8) and summarises it: type, encoding, company,
financial years, record counts, the #KSUMMA checksum, unbalanced vouchers and other warnings.

Options:
  --json         print the summary as JSON
  --lang sv|en   language of the text summary (default: from LC_ALL/LC_MESSAGES/LANG, else Swedish)

Exit codes: 0 read (warnings may still be listed), 2 the file is malformed, truncated or missing.`;

export const command: Command = {
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseCommandArgs('sie', args, { json: { type: 'boolean' }, lang: { type: 'string' } }, true);
    const [sub, file, ...extra] = positionals;
    if (sub !== 'inspect') throw new UsageError(`sie: unknown or missing subcommand${sub === undefined ? '' : ` ${JSON.stringify(sub)}`}.\n\n${USAGE}`);
    if (file === undefined || extra.length > 0) throw new UsageError(`sie inspect: give exactly one FILE.\n\n${USAGE}`);
    const lang = resolveLang(values.lang, process.env);
    await assertReadableFile(file);
    let inspection;
    try {
      inspection = await inspectSie(createReadStream(file));
    } catch (err) {
      // Name the file as well as the line, so the message stands on its own in a log.
      if (err instanceof SieFormatError) throw new NoxError(err.code, `${file}: ${err.message}`, { exitCode: err.exitCode, cause: err, details: { ...err.details } });
      throw err;
    }
    console.log(values.json === true ? JSON.stringify(inspection, null, 2) : formatInspection(file, inspection, lang));
    return 0;
  },
};

function resolveLang(option: string | undefined, env: NodeJS.ProcessEnv): Lang {
  if (option !== undefined) {
    if (option !== 'sv' && option !== 'en') throw new UsageError(`sie: --lang must be sv or en, got ${JSON.stringify(option)}`);
    return option;
  }
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('en') ? 'en' : 'sv';
}

async function assertReadableFile(file: string): Promise<void> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new NoxError('SIE_NOT_A_FILE', `${file} is not a file`, { exitCode: 2 });
  } catch (err) {
    if (err instanceof NoxError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new NoxError(
      code === 'ENOENT' ? 'SIE_FILE_NOT_FOUND' : 'SIE_FILE_UNREADABLE',
      code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(err as Error).message}`,
      { exitCode: 2, cause: err },
    );
  }
}
