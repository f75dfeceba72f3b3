/** AWS Backup runs a scheduled rule at most once an hour. */
import { CheckContext, IPlanCheck, compliant, nonCompliant, notApplicable } from './check';
import { AWS_BACKUP_MIN_INTERVAL_MINUTES } from '../model';
import { DeploymentKind, databasePath } from '../types';

export const backupFrequency: IPlanCheck = {
  id: 'backup-frequency',
  description: 'Scheduled AWS Backup rules run at most hourly.',
  evaluate({ db, interval }: CheckContext) {
    if (db.deployment === DeploymentKind.SELF_MANAGED || !interval) {
      return notApplicable();
    }
    if (interval.minGapMinutes < AWS_BACKUP_MIN_INTERVAL_MINUTES) {
      return nonCompliant(`${databasePath(db)}.schedule_cron: "${db.scheduleCron}" runs ${interval.minGapMinutes} min apart at its closest — AWS Backup runs a scheduled rule at most every ${AWS_BACKUP_MIN_INTERVAL_MINUTES} min; fix: schedule at most hourly and use continuous_backup for a shorter RPO`);
    }
    return compliant();
  },
};
