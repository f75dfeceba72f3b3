/**
 * Renders the alarm catalog as the markdown table of lib/monitoring/README.md (between the
 * `alarm-table` markers). A test fails when the README's table differs from this rendering.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmKind } from './alarm-kind';

/** @internal The marker lines around the generated table in lib/monitoring/README.md. */
export const ALARM_TABLE_BEGIN = '<!-- alarm-table:begin (generated from lib/monitoring/alarms by renderAlarmTable; do not edit) -->';
/** @internal The closing marker. */
export const ALARM_TABLE_END = '<!-- alarm-table:end -->';

const MISSING: Record<string, string> = {
  [cloudwatch.TreatMissingData.BREACHING]: '**breaching**',
  [cloudwatch.TreatMissingData.NOT_BREACHING]: 'not breaching',
  [cloudwatch.TreatMissingData.IGNORE]: 'ignore',
  [cloudwatch.TreatMissingData.MISSING]: 'missing',
};

/**
 * @internal The markdown table of the given kinds, one row each. `docsPrefix` leads from the README to the
 * package root (lib/monitoring/README.md: `../../`).
 */
export function renderAlarmTable(kinds: AlarmKind[], docsPrefix = '../../'): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '| kind | severity | meaning | metric | statistic, period | fires when (default) | comparison | missing data | first response |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const k of kinds) {
    lines.push(`| \`${k.id}\` | ${k.severities.join(' / ')} | ${cell(k.meaning)} | ${cell(k.metric)} | ${cell(k.statistic)} | `
      + `${cell(k.defaultThreshold)} | \`${k.comparison}\` | ${MISSING[k.treatMissingData] ?? k.treatMissingData} | `
      + `[${k.docsPage}](${docsPrefix}${k.docsPage}) |`);
  }
  return lines.join('\n');
}
