/**
 * The estimated restore time of the fastest tier that also meets the RPO is within the RTO.
 * When no tier meets the RPO, rpo-achievable reports it; this check then judges the tier with
 * the best RPO so the user sees both problems at once.
 */
import { CheckContext, IPlanCheck, compliant, compliantWithWarnings, nonCompliant, notApplicable } from './check';
import { TierKind } from '../model';
import { TierDecision } from '../tiers';
import { ArchiveTool, DatabaseEngine, DeploymentKind, databaseLabel, databasePath } from '../types';

/** The tier a restore would use: fastest among those meeting the RPO, else the best RPO. */
export function recoveryTier(tiers: TierDecision[], rpoMinutes: number): TierDecision | undefined {
  const meeting = tiers.filter((t) => t.rpoMinutes <= rpoMinutes).sort((a, b) => a.estimatedRtoMinutes - b.estimatedRtoMinutes);
  return meeting[0] ?? [...tiers].sort((a, b) => a.rpoMinutes - b.rpoMinutes || a.estimatedRtoMinutes - b.estimatedRtoMinutes)[0];
}

export const rtoAchievable: IPlanCheck = {
  id: 'rto-achievable',
  description: 'The estimated restore time is within the RTO.',
  evaluate({ db, tiers }: CheckContext) {
    const tier = recoveryTier(tiers, db.rpoMinutes);
    if (!tier) {
      return notApplicable();
    }
    const warnings = db.sizeGb === undefined ? [`${databasePath(db)}.size_gb: not set — the RTO estimate for "${db.name}" counts fixed overheads only`] : [];
    if (tier.estimatedRtoMinutes <= db.rtoMinutes) {
      return warnings.length ? compliantWithWarnings(...warnings) : compliant();
    }
    const fixes: string[] = [];
    if (db.deployment === DeploymentKind.SELF_MANAGED && db.engine === DatabaseEngine.POSTGRES
      && db.archive === ArchiveTool.NONE && tier.kind === TierKind.LOGICAL) {
      fixes.push('add physical backups with archive "pgbackrest" (restores ~3 GB/min instead of ~1 GB/min)');
    }
    fixes.push(`raise rto_minutes to ≥ ${tier.estimatedRtoMinutes}`);
    fixes.push('keep a warm standby or read replica to promote (not modelled here)');
    const result = nonCompliant(`${databasePath(db)}.rto_minutes: ${db.rtoMinutes} cannot be met for ${databaseLabel(db)} — restoring from the ${tier.label} takes an estimated ${tier.estimatedRtoMinutes} min (${tier.rtoBasis}); fix: ${fixes.join(' or ')}`);
    return { ...result, warnings };
  },
};
