import { main } from './main.ts';

/** What a CLI invocation printed and returned. */
export interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `noxbackup ARGS…` in this process through `main()`, capturing what it prints. */
export async function cli(...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(' '));
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}
