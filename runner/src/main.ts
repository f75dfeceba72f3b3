/**
 * The runner CLI: `runner <backup|restore|verify|expire|check|info> --engine <name> [flags]`.
 * One job per process (one ECS task per job). See runner/README.md for every flag, variable,
 * exit code and metric.
 */
import { ConfigurationError } from '../../runtime/errors';
import './engines';
import { COMMON_OPTIONS } from './core/common-options';
import { EXIT, InterruptedError } from './core/errors';
import { optionsReference } from './core/help';
import { runJob } from './core/job';
import { JsonLogger } from './core/logger';
import { Metrics } from './core/metrics';
import { COMMANDS, Command, splitArgs } from './core/options';
import { Redactor } from './core/redact';
import { allEngines, getEngine } from './core/registry';
import { runDrill } from './drill';

function usage(): string {
  return [
    'usage: runner <command> --engine <name> [flags]',
    `commands: ${COMMANDS.join(', ')}`,
    `engines: ${allEngines().map((e) => e.name).join(', ')}`,
    'flags and environment variables: see README.md next to runner.js',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  // Restore drills have their own flags and report (runner/src/drill).
  if (argv[0] === 'drill') return runDrill(argv.slice(1));
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' || argv[0] === '-h') {
    // `runner help` also prints every option (of one engine with --engine NAME).
    const only = argv.length > 2 && argv[1] === '--engine' ? allEngines().filter((e) => e.name === argv[2]) : allEngines();
    process.stdout.write(usage() + (argv.length > 0 ? '\n\n' + optionsReference(only) : '') + '\n');
    return argv.length === 0 ? EXIT.config : EXIT.ok;
  }
  const [commandArg, ...rest] = argv;
  const boolFlags = new Set([...COMMON_OPTIONS, ...allEngines().flatMap((e) => e.options ?? [])].filter((o) => o.kind === 'bool').map((o) => o.name));
  const { flags, positional, problems } = splitArgs(rest, boolFlags);
  if (positional.length) problems.push(`unexpected argument(s): ${positional.join(' ')}`);
  const engineName = flags.get('engine') ?? process.env.RUNNER_ENGINE;
  const engine = engineName ? getEngine(engineName) : undefined;
  const command = (COMMANDS as readonly string[]).includes(commandArg) ? (commandArg as Command) : undefined;
  if (!command) problems.unshift(`unknown command ${JSON.stringify(commandArg)}; expected one of ${COMMANDS.join(', ')}`);
  if (!engineName) problems.unshift('--engine (or RUNNER_ENGINE) is required');
  else if (!engine) problems.unshift(`unknown engine ${JSON.stringify(engineName)}; expected one of ${allEngines().map((e) => e.name).join(', ')}`);
  if (!engine || !command) {
    // Fail like any job would: a log line, a failure metric, exit 2.
    const redactor = new Redactor();
    const database = flags.get('database') ?? process.env.RUNNER_DATABASE ?? 'unknown';
    const err = new ConfigurationError('invalid configuration', problems);
    new JsonLogger(redactor).error(`${commandArg} failed: ${err.message}`, { errorKind: 'config', exitCode: EXIT.config, database });
    new Metrics({ database, engine: engineName ?? 'unknown', job: command ?? commandArg }).jobOutcome({ success: false, durationSeconds: 0,
      properties: { exitCode: EXIT.config, errorKind: 'config' } });
    return EXIT.config;
  }

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    // A second signal means "now": the first one is already unwinding (aborting uploads).
    if (signals > 1) process.exit(sig === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    controller.abort(new InterruptedError(sig));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return runJob({ engine, command, flags, env: process.env, signal: controller.signal, problems });
}

main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err) => {
    process.stderr.write(`runner: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(EXIT.internal);
  },
);
