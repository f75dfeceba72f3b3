/** The option reference (README tables and `runner help`), rendered from the option specs themselves. */
import { COMMON_OPTIONS } from './common-options';
import type { Engine } from './engine';
import { envName, OptionSpec, rangeText } from './options';

function row(o: OptionSpec): string {
  const flag = o.kind === 'secret' ? '(environment only)' : `\`--${o.name}\``;
  const dflt = o.default !== undefined ? `\`${o.default}\`` : '';
  const choices = o.choices ? ` One of: ${o.choices.join(', ')}.` : '';
  const req = o.requiredFor?.length ? ` Required for: ${o.requiredFor.join(', ')}.` : '';
  const range = rangeText(o) ? ` Range: ${rangeText(o)}.` : '';
  return `| ${flag} | \`${envName(o)}\` | ${o.kind} | ${dflt} | ${o.description.replace(/\|/g, '\\|')}${choices}${range}${req} |`;
}

function table(specs: readonly OptionSpec[]): string {
  return ['| flag | environment variable | type | default | meaning |', '|---|---|---|---|---|', ...specs.map(row)].join('\n');
}

/** Markdown: the common options, then each engine's own options. */
export function optionsReference(engines: readonly Engine[]): string {
  const parts = ['### Common options', '', table(COMMON_OPTIONS)];
  for (const e of engines) {
    parts.push('', `### Engine \`${e.name}\``, '', `${e.description} Backup types: ${(e.backupTypes ?? ['full']).join(', ')}. Tools: ${e.requiredTools.join(', ')}.`);
    if (e.options?.length) parts.push('', table(e.options));
  }
  return parts.join('\n');
}
