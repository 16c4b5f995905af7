/**
 * Typed errors with a stable machine-readable code and a message a user can act on.
 * `exitCode` is what the CLI exits with when such an error reaches it.
 */
export class NoxError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options?: { exitCode?: number; details?: Record<string, unknown>; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NoxError';
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
    this.details = options?.details;
  }
}

/** Bad configuration or command-line usage: exit code 2, like most Unix tools. */
export class ConfigError extends NoxError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { exitCode: 2 });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export class UsageError extends NoxError {
  constructor(message: string) {
    super('CLI_USAGE', message, { exitCode: 2 });
    this.name = 'UsageError';
  }
}
