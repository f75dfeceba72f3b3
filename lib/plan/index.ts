export * from './types';
// The parsed cron representation (sets, day-item unions) is not a jsii shape: only the gap analysis
// is public here; the parser and its types are exported from 'cdk-database-dr/app' for TypeScript.
export type { CronIntervals } from './cron';
export * from './model';
export * from './tiers';
export * from './feasibility';
export * from './table';
export * from './load-plan';
export * from './objectives';
export { FEASIBILITY_CHECKS, CheckOutcome } from './checks';
export type { CheckContext, CheckResult, IPlanCheck } from './checks';
export * from './backup-plan-file';
