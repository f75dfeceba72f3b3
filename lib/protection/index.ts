export * from './protected-database';
export * from './database-protection';
export * from './cross-account-copy-target';
export * from './audit-framework';
export * from './rule-validation';
export * from './from-plan';
export * from './organization-backup-policy';
