/**
 * Structured JSON logs, one object per line on stdout (CloudWatch Logs via the awslogs driver).
 * Every line passes through the Redactor, so a secret that slips into a message or a field is
 * masked before it leaves the process.
 */
import { Redactor } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  child(fields: LogFields): Logger;
}

/** Where lines go; tests replace it. */
export type LineSink = (line: string) => void;

export const stdoutSink: LineSink = (line) => {
  process.stdout.write(line + '\n');
};

export class JsonLogger implements Logger {
  constructor(
    private readonly redactor: Redactor,
    private readonly level: LogLevel = 'info',
    private readonly base: LogFields = {},
    private readonly sink: LineSink = stdoutSink,
  ) {}

  debug(msg: string, fields?: LogFields): void { this.write('debug', msg, fields); }
  info(msg: string, fields?: LogFields): void { this.write('info', msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.write('warn', msg, fields); }
  error(msg: string, fields?: LogFields): void { this.write('error', msg, fields); }

  child(fields: LogFields): Logger {
    return new JsonLogger(this.redactor, this.level, { ...this.base, ...fields }, this.sink);
  }

  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const record = { time: new Date().toISOString(), level, msg, ...this.base, ...(fields ?? {}) };
    // Redact values before encoding (JSON escaping could hide a secret with quotes) and the line after.
    this.sink(this.redactor.redact(JSON.stringify(this.redactor.redactValue(JSON.parse(JSON.stringify(record, errorReplacer))))));
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
