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

/** CloudWatch's limit on an alarm description. */
export const ALARM_DESCRIPTION_MAX = 1024;

/** @internal What an alarm description says. */
export interface AlarmDescriptionText {
  readonly severity: string;
  readonly kindId: string;
  /** What it means for its subject. */
  readonly meaning: string;
  readonly databases: string[];
  /** `Fires when ...` */
  readonly condition: string;
  /** The first-response page. */
  readonly docsPage: string;
  /** The runbooks of the databases it watches (those that have runbooks). */
  readonly runbooks: Array<{ readonly database: string; readonly folder: string; readonly index: string; readonly documents: string[] }>;
}

/**
 * @internal The description of one alarm: severity, kind and meaning, its databases, how it is judged, the
 * first-response page, and the runbooks (their folder in the cloud assembly and their SSM
 * Automation documents). Within CloudWatch's 1024 characters: the database list and then the
 * meaning are shortened first; the first response and the runbooks are always kept.
 */
export function renderAlarmDescription(t: AlarmDescriptionText): string {
  let runbooks = '';
  if (t.runbooks.length === 1) {
    const r = t.runbooks[0];
    runbooks = ` Runbooks of ${r.database}: ${r.folder}/ in the cloud assembly (point-in-time.md, dr-region.md, table-restore.md)`
      + `${r.documents.length > 0 ? `; SSM Automation documents ${r.documents.join(', ')}` : ''}.`;
  } else if (t.runbooks.length > 1) {
    const indexes = [...new Set(t.runbooks.map((r) => r.index))];
    runbooks = ` Runbooks: ${indexes.join(', ')} in the cloud assembly (a folder and SSM Automation documents per database).`;
  }
  const compose = (meaning: string, databases: string) => [
    `[${t.severity}] ${t.kindId}: ${meaning}.`,
    `Databases: ${databases}.`,
    t.condition,
    `First response: ${t.docsPage} (cdk-database-dr).${runbooks}`,
  ].join(' ');
  let text = compose(t.meaning, t.databases.join(', '));
  if (text.length <= ALARM_DESCRIPTION_MAX) return text;
  text = compose(t.meaning, `${t.databases.length} (${t.databases.slice(0, 3).join(', ')}, …)`);
  if (text.length <= ALARM_DESCRIPTION_MAX) return text;
  const fixed = compose('', `${t.databases.length}`).length;
  const room = Math.max(0, ALARM_DESCRIPTION_MAX - fixed - 1);
  text = compose(`${t.meaning.slice(0, room)}…`, `${t.databases.length}`);
  return text.length <= ALARM_DESCRIPTION_MAX ? text : `${text.slice(0, ALARM_DESCRIPTION_MAX - 1)}…`;
}
