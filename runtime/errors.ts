/**
 * The one error type for bad configuration, shared by the constructs, the plan loader and the
 * runner CLI.
 *
 * It carries every problem found, not only the first, so a user fixes a plan, a set of props or a
 * command line in one pass. Each problem names the field (prop, JSON path, flag or environment
 * variable) and the bad value. `bin/app.ts` prints `message` without a stack trace; the runner
 * exits 2 with it.
 */
export class ConfigurationError extends Error {
  /** What was being configured: a construct path, a plan file, "invalid configuration". */
  public readonly subject: string;
  /** Each problem, one line each, naming the field and the bad value. */
  public readonly problems: string[];

  constructor(subject: string, problems: string[]) {
    super(problemsMessage(subject, problems));
    this.name = 'ConfigurationError';
    this.subject = subject;
    this.problems = problems;
  }
}

/** `subject: 2 problems:\n  - a\n  - b`, the one layout of every configuration message. */
export function problemsMessage(subject: string, problems: readonly string[]): string {
  return `${subject}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  - ${problems.join('\n  - ')}`;
}

/** Throws a ConfigurationError listing every problem when there is at least one. */
export function throwIfProblems(subject: string, problems: string[]): void {
  if (problems.length > 0) {
    throw new ConfigurationError(subject, problems);
  }
}
