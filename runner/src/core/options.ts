/**
 * Command-line flags and environment variables. Each option has a flag (`--db-host`) and an
 * environment variable (`RUNNER_DB_HOST`); the flag wins. Secrets are environment-only (ECS fills
 * them from Secrets Manager): a secret on the command line would be visible in the task's argv.
 * Parsing collects every problem before failing, each naming the flag/variable and the bad value.
 */
import { ConfigurationError } from '../../../runtime/errors';

export const COMMANDS = ['backup', 'restore', 'verify', 'expire', 'check', 'info'] as const;
export type Command = (typeof COMMANDS)[number];

export type OptionKind = 'string' | 'int' | 'bool' | 'secret' | 'path';

export interface OptionSpec {
  /** Flag name without the leading dashes, e.g. `db-host`. */
  readonly name: string;
  readonly kind: OptionKind;
  readonly description: string;
  /** Environment variable; defaults to RUNNER_ + the name upper-cased with `_` for `-`. */
  readonly env?: string;
  /** Default value as a string (parsed like user input). */
  readonly default?: string;
  readonly choices?: readonly string[];
  /** Commands for which the option must be set. */
  readonly requiredFor?: readonly Command[];
  /** Smallest accepted value for `int`. */
  readonly min?: number;
  /** Largest accepted value for `int` (every int is also at most Number.MAX_SAFE_INTEGER). */
  readonly max?: number;
}

/** The accepted range of an `int` option, as written in messages and the option reference. */
export function rangeText(spec: OptionSpec): string | undefined {
  if (spec.kind !== 'int') return undefined;
  if (spec.min !== undefined && spec.max !== undefined) return `${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `at least ${spec.min}`;
  if (spec.max !== undefined) return `at most ${spec.max}`;
  return undefined;
}

export function envName(spec: OptionSpec): string {
  return spec.env ?? 'RUNNER_' + spec.name.toUpperCase().replace(/-/g, '_');
}

export type OptionValue = string | number | boolean;

/** Parsed option values, typed accessors. */
export class Options {
  constructor(private readonly values: ReadonlyMap<string, OptionValue>, private readonly specs: ReadonlyMap<string, OptionSpec>) {}

  has(name: string): boolean {
    this.known(name);
    return this.values.has(name);
  }
  str(name: string): string | undefined {
    this.known(name);
    const v = this.values.get(name);
    return v === undefined ? undefined : String(v);
  }
  /** The value, or a ConfigurationError naming the flag and its environment variable. */
  requireStr(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') {
      const spec = this.specs.get(name)!;
      throw new ConfigurationError('invalid configuration', [spec.kind === 'secret' ? `${envName(spec)} is required` : `--${name} (or ${envName(spec)}) is required`]);
    }
    return v;
  }
  int(name: string): number | undefined {
    this.known(name);
    const v = this.values.get(name);
    return v === undefined ? undefined : Number(v);
  }
  bool(name: string): boolean {
    this.known(name);
    return this.values.get(name) === true;
  }
  /** All values (secrets masked), for the start-of-job log line. */
  describe(): Record<string, OptionValue> {
    const out: Record<string, OptionValue> = {};
    for (const [k, v] of this.values) out[k] = this.specs.get(k)?.kind === 'secret' ? '***' : v;
    return out;
  }
  /** Values of every secret option, for the redactor. */
  secretValues(): string[] {
    return [...this.values].filter(([k]) => this.specs.get(k)?.kind === 'secret').map(([, v]) => String(v));
  }
  private known(name: string): void {
    if (!this.specs.has(name)) throw new Error(`option '${name}' is not declared by the core or the engine`);
  }
}

/** Splits argv into `--name value` / `--name=value` / `--flag` pairs (no parsing of values yet). */
export function splitArgs(argv: readonly string[], boolFlags: ReadonlySet<string>): { flags: Map<string, string>; positional: string[]; problems: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let value: string;
    if (eq > 0) value = a.slice(eq + 1);
    else if (boolFlags.has(name)) value = 'true';
    else if (name.startsWith('no-') && boolFlags.has(name.slice(3))) { flags.set(name.slice(3), 'false'); continue; }
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    else { problems.push(`--${name} needs a value`); continue; }
    if (flags.has(name)) problems.push(`--${name} is given more than once`);
    flags.set(name, value);
  }
  return { flags, positional, problems };
}

/**
 * Parses flags and environment against the specs for one command. Returns the Options or throws
 * one ConfigurationError listing every problem (unknown flags, bad numbers, choices, missing values).
 */
export function parseOptions(specs: readonly OptionSpec[], command: Command, flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv, initialProblems: string[] = []): Options {
  const { options, problems } = collectOptions(specs, command, flags, env, initialProblems);
  if (problems.length > 0) throw new ConfigurationError('invalid configuration', problems);
  return options;
}

/** Like parseOptions, but returns the problems with the values that did parse, so callers can add their own checks. */
export function collectOptions(specs: readonly OptionSpec[], command: Command, flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv, initialProblems: string[] = []): { options: Options; problems: string[] } {
  const problems = [...initialProblems];
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, OptionValue>();
  for (const name of flags.keys()) {
    const spec = byName.get(name);
    if (!spec) problems.push(`unknown flag --${name}`);
    else if (spec.kind === 'secret') problems.push(`--${name} is a secret and is only read from the environment variable ${envName(spec)} (never argv)`);
  }
  for (const spec of specs) {
    const envVar = envName(spec);
    let raw: string | undefined; let source: string;
    // An empty flag value means unset, like an empty variable: an SSM document's empty optional parameter (`--backup-id ""`).
    if (spec.kind !== 'secret' && flags.has(spec.name) && flags.get(spec.name) !== '') { raw = flags.get(spec.name); source = `--${spec.name}`; }
    else if (env[envVar] !== undefined && env[envVar] !== '') { raw = env[envVar]; source = envVar; }
    else { raw = spec.default; source = `default of --${spec.name}`; }
    if (raw === undefined) {
      if (spec.requiredFor?.includes(command)) {
        problems.push(spec.kind === 'secret' ? `${envVar} is required for ${command}` : `--${spec.name} (or ${envVar}) is required for ${command}`);
      }
      continue;
    }
    const shown = spec.kind === 'secret' ? '***' : JSON.stringify(raw);
    switch (spec.kind) {
      case 'int': {
        if (!/^-?\d+$/.test(raw.trim())) { problems.push(`${source} must be an integer, got ${shown}`); continue; }
        const n = Number(raw.trim());
        const outOfRange = (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max) || !Number.isSafeInteger(n);
        if (outOfRange) {
          const range = spec.min !== undefined && spec.max !== undefined ? `between ${spec.min} and ${spec.max}`
            : spec.min !== undefined ? `at least ${spec.min}` + (Number.isSafeInteger(n) ? '' : ` and at most ${Number.MAX_SAFE_INTEGER}`)
              : spec.max !== undefined ? `at most ${spec.max}` : `between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;
          problems.push(`${source} must be ${range}, got ${raw.trim()}`);
          continue;
        }
        values.set(spec.name, n);
        break;
      }
      case 'bool': {
        const v = raw.trim().toLowerCase();
        if (!['true', 'false', '1', '0', 'yes', 'no'].includes(v)) { problems.push(`${source} must be true or false, got ${shown}`); continue; }
        values.set(spec.name, v === 'true' || v === '1' || v === 'yes');
        break;
      }
      default:
        if (spec.choices && !spec.choices.includes(raw)) { problems.push(`${source} must be one of ${spec.choices.join(', ')}, got ${shown}`); continue; }
        values.set(spec.name, raw);
    }
  }
  return { options: new Options(values, byName), problems };
}
