/** The best tier's RPO meets the objective. */
import { CheckContext, IPlanCheck, compliant, nonCompliant, notApplicable } from './check';
import { ARCHIVE_PUSH_MINUTES, CONTINUOUS_RPO_MINUTES, archiveRpoMinutes } from '../model';
import { archiveToolsFor, describeTier } from '../tiers';
import { ArchiveTool, DatabaseConfig, DatabaseEngine, DeploymentKind, PLAN_DEFAULTS, databaseLabel, databasePath } from '../types';

/** What would bring the RPO down, in the terms of the plan file. */
function fixes(db: DatabaseConfig, bestRpo: number | undefined): string[] {
  const out: string[] = [];
  if (db.deployment === DeploymentKind.SELF_MANAGED) {
    const tools = archiveToolsFor(db.engine);
    const defaultRpo = archiveRpoMinutes(PLAN_DEFAULTS.archiveTimeoutSeconds);
    if (db.archive === ArchiveTool.NONE || !tools.includes(db.archive)) {
      const what = db.engine === DatabaseEngine.POSTGRES ? 'WAL archiving' : db.engine === DatabaseEngine.MONGODB ? 'oplog archiving' : 'binlog shipping';
      if (db.rpoMinutes >= defaultRpo) {
        out.push(`enable ${what} (archive ${tools.map((t) => `"${t}"`).join(' or ')}, ~${defaultRpo} min)`);
      }
    } else if (db.rpoMinutes > ARCHIVE_PUSH_MINUTES) {
      // The archive exists but its timeout is too long for the objective.
      out.push(`lower archive_timeout_seconds to ≤ ${(db.rpoMinutes - ARCHIVE_PUSH_MINUTES) * 60}`);
    }
  } else if (db.engine !== DatabaseEngine.MONGODB && db.rpoMinutes >= CONTINUOUS_RPO_MINUTES) {
    out.push('enable continuous backup (continuous_backup true or "auto", ~5 min)');
  }
  if (bestRpo !== undefined) {
    out.push(`raise rpo_minutes to ≥ ${bestRpo}`);
  }
  return out;
}

export const rpoAchievable: IPlanCheck = {
  id: 'rpo-achievable',
  description: 'At least one tier reaches the RPO.',
  evaluate({ db, tiers, interval }: CheckContext) {
    if (!interval && tiers.length === 0) {
      // The schedule is invalid and nothing else protects the database: the cron problem is
      // already reported; a second message would only repeat it.
      return notApplicable();
    }
    const best = [...tiers].sort((a, b) => a.rpoMinutes - b.rpoMinutes)[0];
    if (best && best.rpoMinutes <= db.rpoMinutes) {
      return compliant();
    }
    const achieved = best ? `best tier is the ${describeTier(best)}` : 'no tier can run for this combination';
    const fix = fixes(db, best?.rpoMinutes);
    return nonCompliant(`${databasePath(db)}.rpo_minutes: ${db.rpoMinutes} cannot be met for ${databaseLabel(db)} — ${achieved}${fix.length ? `; fix: ${fix.join(' or ')}` : ''}`);
  },
};
