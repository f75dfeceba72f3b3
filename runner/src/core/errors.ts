/**
 * Exit codes and the error types that carry them. An operator (or the scheduler's retry policy)
 * can tell from the exit code alone whether to fix the configuration, the database or the storage.
 */
import { ConfigurationError } from '../../../runtime/errors';

export const EXIT = {
  ok: 0,
  /** Unexpected internal error (a bug in the runner). */
  internal: 1,
  /** Bad flags / environment, or a required tool missing from the image. */
  config: 2,
  /** The database refused, was unreachable, a dump/restore tool failed, or the replica lag guard refused. */
  database: 3,
  /** The backup storage (S3 / posix repository / spool directory) failed. */
  storage: 4,
  /** `verify` found a missing object, a hash mismatch or an archive the engine could not read. */
  verification: 5,
  /** Interrupted by SIGINT (128 + 2). */
  sigint: 130,
  /** Interrupted by SIGTERM (128 + 15), e.g. a Fargate task stop. */
  sigterm: 143,
} as const;

export type ErrorKind = 'config' | 'database' | 'storage' | 'verification' | 'interrupted' | 'internal';

/** An error whose kind decides the process exit code. */
export class RunnerError extends Error {
  public readonly kind: ErrorKind;
  public readonly exitCode: number;
  constructor(kind: ErrorKind, message: string, exitCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunnerError';
    this.kind = kind;
    this.exitCode = exitCode ?? exitCodeOf(kind);
  }
}

function exitCodeOf(kind: ErrorKind): number {
  switch (kind) {
    case 'config': return EXIT.config;
    case 'database': return EXIT.database;
    case 'storage': return EXIT.storage;
    case 'verification': return EXIT.verification;
    case 'interrupted': return EXIT.sigterm;
    default: return EXIT.internal;
  }
}

export class DatabaseError extends RunnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('database', message, undefined, options);
    this.name = 'DatabaseError';
  }
}

export class StorageError extends RunnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('storage', message, undefined, options);
    this.name = 'StorageError';
  }
}

export class VerificationError extends RunnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('verification', message, undefined, options);
    this.name = 'VerificationError';
  }
}

/** The job was stopped by a signal; the exit code is 128 + the signal number. */
export class InterruptedError extends RunnerError {
  constructor(signal: NodeJS.Signals) {
    super('interrupted', `interrupted by ${signal}: the job was stopped before it completed, no manifest was written`,
      signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    this.name = 'InterruptedError';
  }
}

/** A required executable is not on PATH (the image is missing a package). */
export class MissingToolError extends RunnerError {
  public readonly tool: string;
  constructor(tool: string, engine: string) {
    super('config', `${tool} is not installed (required by engine ${engine}); install it in the runner image (runner/apt-packages.txt)`);
    this.name = 'MissingToolError';
    this.tool = tool;
  }
}

/** Wraps anything thrown into a RunnerError, keeping RunnerErrors as they are. */
export function asRunnerError(err: unknown, fallback: ErrorKind = 'internal'): RunnerError {
  if (err instanceof RunnerError) return err;
  // Bad flags or environment: the library's one configuration error, exit 2.
  if (err instanceof ConfigurationError) return new RunnerError('config', err.message, undefined, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new RunnerError(fallback, message, undefined, { cause: err });
}
