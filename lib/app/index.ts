export * from './compliance';
export * from './dr-region-stack';
export * from './primary-region-stack';
export * from './from-plan';
// TypeScript only (not a jsii entry point): the AWS cron parser the plan checks use.
export * from '../plan/cron';
