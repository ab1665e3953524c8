/**
 * Exit codes of the `shelby-batch` command, documented in the README.
 */
export const EXIT = {
  OK: 0,
  /** At least one file failed, or `verify` found a mismatch. */
  FILES_FAILED: 1,
  /** Bad command line, config or source path; nothing was started. */
  BAD_INPUT: 2,
  /** The batch is paused (every account out of funds) or still running. */
  NOT_FINISHED: 3,
  /** Temporal or the Shelby network could not be reached. */
  UNREACHABLE: 4,
  INTERRUPTED: 130,
} as const;

/** An error the CLI prints as one line, then exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.BAD_INPUT,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

// By `error.name`, as the classes set it.
const INPUT_ERRORS = new Set([
  'ConfigError',
  'SourceNotFound',
  'InvalidPrefix',
  'InvalidBatchId',
  'TemporalAddressInvalid',
  'TemporalTlsConfig',
]);
const UNREACHABLE_ERRORS = new Set([
  'TemporalUnreachable',
  'TemporalBinaryNotFound',
  'DevServerStartFailed',
  'LocalnetStartFailed',
]);

/** The exit code for an error thrown anywhere below a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.code;
  if ((error as { interrupted?: boolean } | undefined)?.interrupted) return EXIT.INTERRUPTED;
  const name = error instanceof Error ? error.name : '';
  if (INPUT_ERRORS.has(name)) return EXIT.BAD_INPUT;
  // batchPaths refuses ids that could leave the state folder with a plain Error.
  if (/^invalid batch id /.test(error instanceof Error ? error.message : '')) return EXIT.BAD_INPUT;
  if (UNREACHABLE_ERRORS.has(name)) return EXIT.UNREACHABLE;
  if (/ECONNREFUSED|UNAVAILABLE|unreachable/i.test(String(error))) return EXIT.UNREACHABLE;
  return EXIT.FILES_FAILED;
}
