/**
 * The AWS Backup lifecycle rules a backup plan must respect, checked at synth with the bad
 * values named (AWS otherwise rejects the plan at deploy time, or silently fails jobs).
 *
 * - continuous backup retention is 1–35 days, and continuous recovery points never go to cold
 *   storage;
 * - delete-after ≥ cold-storage-after + 90 days;
 * - with Vault Lock, every retention lies within the lock's min/max, or AWS Backup fails the
 *   backup or copy job into that vault.
 * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html
 * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/point-in-time-recovery.html
 */
import { COLD_STORAGE_MIN_DAYS, CONTINUOUS_RETENTION_DAYS } from '../plan/model';

export interface RuleLifecycle {
  /** Rule name, for messages. */
  readonly ruleName: string;
  readonly continuous: boolean;
  readonly deleteAfterDays: number;
  /** @default - no move to cold storage */
  readonly coldStorageAfterDays?: number;
}

export interface RetentionBounds {
  /** Vault description for messages. */
  readonly vault: string;
  /** @default - no minimum */
  readonly minDays?: number;
  /** @default - no maximum */
  readonly maxDays?: number;
}

export function lifecycleProblems(rule: RuleLifecycle): string[] {
  const problems: string[] = [];
  const { ruleName, deleteAfterDays, coldStorageAfterDays } = rule;
  if (rule.continuous) {
    if (deleteAfterDays < CONTINUOUS_RETENTION_DAYS.min || deleteAfterDays > CONTINUOUS_RETENTION_DAYS.max) {
      problems.push(`rule ${ruleName}: continuous backup retention must be ${CONTINUOUS_RETENTION_DAYS.min}-${CONTINUOUS_RETENTION_DAYS.max} days, got ${deleteAfterDays}`);
    }
    if (coldStorageAfterDays !== undefined) {
      problems.push(`rule ${ruleName}: continuous backups cannot move to cold storage, got coldStorageAfter ${coldStorageAfterDays} days`);
    }
  }
  if (!Number.isInteger(deleteAfterDays)) {
    problems.push(`rule ${ruleName}: retention must be whole days, got ${deleteAfterDays}`);
  }
  if (deleteAfterDays < 1) {
    problems.push(`rule ${ruleName}: retention must be at least 1 day, got ${deleteAfterDays}`);
  }
  if (coldStorageAfterDays !== undefined && deleteAfterDays < coldStorageAfterDays + COLD_STORAGE_MIN_DAYS) {
    problems.push(`rule ${ruleName}: deleteAfter ${deleteAfterDays} days must be at least coldStorageAfter ${coldStorageAfterDays} + ${COLD_STORAGE_MIN_DAYS} = ${coldStorageAfterDays + COLD_STORAGE_MIN_DAYS} days`);
  }
  return problems;
}

export function lockProblems(ruleName: string, deleteAfterDays: number, bounds: RetentionBounds): string[] {
  const problems: string[] = [];
  if (bounds.minDays !== undefined && deleteAfterDays < bounds.minDays) {
    problems.push(`rule ${ruleName}: retention ${deleteAfterDays} days is below the vault lock minimum ${bounds.minDays} days of ${bounds.vault} — AWS Backup would fail the job`);
  }
  if (bounds.maxDays !== undefined && deleteAfterDays > bounds.maxDays) {
    problems.push(`rule ${ruleName}: retention ${deleteAfterDays} days is above the vault lock maximum ${bounds.maxDays} days of ${bounds.vault} — AWS Backup would fail the job`);
  }
  return problems;
}
