/**
 * Turns JSON syntax errors and ajv schema errors into one-line problems that name the JSON path
 * (`databases[1].rpo_minutes`) and the bad value.
 */
import type { ErrorObject } from 'ajv';

/** `/databases/1/rpo_minutes` → `databases[1].rpo_minutes`. */
export function jsonPointerToPath(pointer: string, extra?: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) {
    segments.push(extra);
  }
  let path = '';
  for (const seg of segments) {
    if (/^\d+$/.test(seg)) {
      path += `[${seg}]`;
    } else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) {
      path += path === '' ? seg : `.${seg}`;
    } else {
      path += `[${JSON.stringify(seg)}]`;
    }
  }
  return path === '' ? '(root)' : path;
}

/** A value as it appears in messages: JSON, shortened. */
export function showValue(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length];
}

/** The allowed name closest to a mistyped one, when close enough to be a typo. */
export function closestName(name: string, allowed: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const d = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Line and column (1-based) of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** The problem line for a JSON.parse failure, with line and column. */
export function describeJsonSyntaxError(text: string, error: Error): string {
  const lineCol = /line (\d+) column (\d+)/.exec(error.message);
  let where: { line: number; column: number };
  if (lineCol) {
    where = { line: Number(lineCol[1]), column: Number(lineCol[2]) };
  } else {
    const position = /position (\d+)/.exec(error.message);
    where = lineAndColumn(text, position ? Number(position[1]) : text.length);
  }
  const reason = error.message.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)/, '');
  return `line ${where.line}, column ${where.column}: invalid JSON: ${reason}`;
}

type AnySchema = { errorHint?: string; properties?: Record<string, unknown> };

/** One problem per meaningful ajv error (ajv must run with `verbose: true` and `allErrors`). */
export function describeSchemaErrors(errors: ErrorObject[]): string[] {
  // oneOf reports its branches' failures too; keep only the oneOf summary for that value.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const problems: string[] = [];
  for (const e of errors) {
    const parent = (e.parentSchema ?? {}) as AnySchema;
    if (e.keyword !== 'oneOf' && oneOfPaths.has(e.instancePath) && e.schemaPath.includes('/oneOf/')) {
      continue;
    }
    if (e.keyword === 'propertyNames') {
      continue; // its pattern error (with propertyName) says more
    }
    const path = jsonPointerToPath(e.instancePath);
    const got = `got ${showValue(e.data)}`;
    const hint = parent.errorHint;
    switch (e.keyword) {
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        problems.push(`${jsonPointerToPath(e.instancePath, missing)}: required field is missing`);
        break;
      }
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys(parent.properties ?? {});
        const suggestion = closestName(extra, allowed);
        const value = (e.data as Record<string, unknown>)[extra];
        problems.push(`${jsonPointerToPath(e.instancePath, extra)}: unknown field, got ${showValue(value)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
        break;
      }
      case 'enum': {
        const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
        problems.push(`${path}: must be one of ${allowed}, ${got}`);
        break;
      }
      case 'type':
        problems.push(`${path}: must be ${(e.params as { type: string | string[] }).type.toString().replace(/,/g, ' or ')}, ${got}`);
        break;
      case 'pattern': {
        const name = (e as ErrorObject & { propertyName?: string }).propertyName;
        if (name !== undefined) {
          problems.push(`${path}: key ${JSON.stringify(name)} is invalid: ${hint ?? `must match ${(e.params as { pattern: string }).pattern}`}`);
        } else {
          problems.push(`${path}: ${hint ?? `must match ${(e.params as { pattern: string }).pattern}`}, ${got}`);
        }
        break;
      }
      case 'oneOf':
        problems.push(`${path}: ${hint ?? 'must match exactly one allowed form'}, ${got}`);
        break;
      case 'minItems':
        problems.push(`${path}: must have at least ${(e.params as { limit: number }).limit} item(s), got ${Array.isArray(e.data) ? e.data.length : showValue(e.data)}`);
        break;
      default:
        // minimum, exclusiveMinimum, maximum, minLength, maxLength, const...: ajv's wording
        // ("must be > 0") plus the value.
        problems.push(`${path}: ${e.message ?? e.keyword}, ${got}`);
    }
  }
  return problems;
}
