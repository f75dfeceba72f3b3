export * from './runbook-kind';
export * from './rendered-runbook';
export * from './recovery-runbooks';
export { runbookDatabaseFromPlan } from './from-plan';
export * from './dr-region-recovery';
