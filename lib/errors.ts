/**
 * The one error type the library raises for bad configuration.
 *
 * It carries every problem found, not only the first, so a user fixes a plan or a set of props
 * in one pass. Each problem names the field (or JSON path) and the bad value. `bin/app.ts` prints
 * `message` without a stack trace and exits non-zero.
 */
export class ConfigurationError extends Error {
  /** Each problem, one line each, naming the field and the bad value. */
  public readonly problems: string[];

  constructor(subject: string, problems: string[]) {
    super(`${subject}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}

/** Throws a ConfigurationError listing every problem when there is at least one. */
export function throwIfProblems(subject: string, problems: string[]): void {
  if (problems.length > 0) {
    throw new ConfigurationError(subject, problems);
  }
}
