/**
 * Turns the procedures' command lines into lines an operator pastes into a shell: every value the
 * runbook sets in its Set up block (markers `__RB_NAME__`) and every procedure parameter
 * (`{{Name}}`) becomes a shell variable, expanded whatever quotes surround it.
 */

/** The marker standing for the shell variable `name` in a description's values. */
export function marker(name: string): string {
  return `__RB_${name}__`;
}

const VARIABLE = /__RB_([A-Z0-9_]+?)__|\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/y;

/**
 * The line with each marker and placeholder replaced by its variable: `"$X"` outside quotes,
 * `${X}` inside double quotes, `'"$X"'` inside single quotes (closing and reopening them).
 */
export function withShellVariables(line: string): string {
  let out = '';
  let quote: '' | '\'' | '"' = '';
  for (let i = 0; i < line.length;) {
    VARIABLE.lastIndex = i;
    const m = VARIABLE.exec(line);
    if (m) {
      const name = m[1] ?? m[2];
      out += quote === '\'' ? `'"\${${name}}"'` : quote === '"' ? `\${${name}}` : `"\${${name}}"`;
      i += m[0].length;
      continue;
    }
    const c = line[i];
    if (c === '\\' && quote !== '\'') {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if ((c === '\'' || c === '"') && (quote === '' || quote === c)) quote = quote === c ? '' : c;
    out += c;
    i += 1;
  }
  return out;
}

/** Prose with each marker and placeholder shown as its variable in code quotes. */
export function proseVariables(text: string): string {
  return text.replace(/__RB_([A-Z0-9_]+?)__|\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (_m, a: string | undefined, b: string | undefined) => `\`$${a ?? b}\``);
}
