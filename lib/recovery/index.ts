export * from './runbook-kind';
export * from './rendered-runbook';
export * from './recovery-runbooks';
export { runbookDatabaseFromPlan } from './from-plan';
