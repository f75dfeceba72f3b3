import { Duration } from 'aws-cdk-lib';

/**
 * Whole days of a duration for properties that AWS only accepts as an integer count of days
 * (S3 lifecycle, Object Lock, Vault Lock). Returns undefined when the duration is a token (it is
 * checked by the service at deploy time) or when it is not whole days, after recording a problem
 * that names the field and the value.
 */
export function wholeDays(d: Duration, field: string, problems: string[]): number | undefined {
  if (d.isUnresolved()) {
    return undefined;
  }
  const days = d.toDays({ integral: false });
  if (!Number.isInteger(days)) {
    problems.push(`${field} must be a whole number of days, got ${d.toHumanString()}`);
    return undefined;
  }
  return days;
}

/** Days of a duration for rendering into a template (tokens pass through as tokens). */
export function renderDays(d: Duration): number {
  return d.isUnresolved() ? d.toDays() : Math.round(d.toDays({ integral: false }));
}
