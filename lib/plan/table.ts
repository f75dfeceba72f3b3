/**
 * The feasibility table the DR app prints at synth: objective vs achieved per database.
 */
import { FeasibilityResult } from './feasibility';
import { TierKind } from './model';

const HEADERS = ['database', 'engine/deployment', 'tiers', 'RPO objective', 'RPO achieved', 'RTO objective', 'RTO estimated', 'verdict'];

function minutes(value: number | undefined): string {
  if (value === undefined) {
    return '—';
  }
  return value >= 1440 && value % 1440 === 0 ? `${value} min (${value / 1440} d)` : `${value} min`;
}

/** A plain-text table, one row per database, with a legend and any warnings below it. */
export function formatFeasibilityTable(result: FeasibilityResult): string {
  const rows = result.databases.map((a) => {
    const db = a.database;
    const tiers = a.tiers.map((t) => (t.kind === TierKind.CONTINUOUS || t.kind === TierKind.ARCHIVE ? t.kind : `${t.kind}:${t.tool}`));
    const rtoEstimate = a.estimatedRtoMinutes === undefined
      ? '—'
      : `${minutes(a.estimatedRtoMinutes)}${db.sizeGb === undefined ? ' (size?)' : ''} via ${a.recoveryTier?.kind}`;
    let verdict: string;
    if (a.problems.length === 0) {
      verdict = 'OK';
    } else {
      const failed = [!a.rpoMet ? 'RPO' : undefined, !a.rtoMet ? 'RTO' : undefined].filter((x) => x !== undefined);
      verdict = `FAIL${failed.length ? ` (${failed.join(', ')})` : ''}`;
    }
    return [
      db.name,
      `${db.engine}/${db.deployment}`,
      tiers.length ? tiers.join(', ') : 'none',
      minutes(db.rpoMinutes),
      minutes(a.achievedRpoMinutes),
      minutes(db.rtoMinutes),
      rtoEstimate,
      verdict,
    ];
  });
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  const out = [
    `Recovery objectives — ${result.plan.sourceName} (${result.plan.primaryRegion} → ${result.plan.drRegion})`,
    line(HEADERS),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...rows.map(line),
  ];
  const selections = result.databases.filter((a) => a.tagSelection !== undefined);
  if (selections.length) {
    out.push('', 'Selected by tags:', ...selections.map((a) => `  - ${a.database.name}: ${a.tagSelection}`));
  }
  const missing = result.databases.flatMap((a) => a.notSetUp.map((line) => `  - ${a.database.name}: ${line}`));
  if (missing.length) {
    out.push('', 'Not set up (no identifier in the plan):', ...missing);
  }
  if (result.warnings.length) {
    out.push('', 'Warnings:', ...result.warnings.map((w) => `  - ${w}`));
  }
  if (result.problems.length) {
    out.push('', 'Problems:', ...result.problems.map((p) => `  - ${p}`));
  }
  out.push('', 'Model: lib/plan/model.ts (continuous/PITR 5 min; archive = timeout + 1 min; scheduled = longest cron gap; RTO = overhead + size_gb / throughput).');
  return out.join('\n');
}
