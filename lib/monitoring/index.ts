export * from './backup-metrics';
export * from './replication-lag-metrics';
export * from './s3-replication-metrics';
export * from './runner-metrics';
export * from './verification-metrics';
export * from './recovery-metrics';
export * from './measured-rpo';
export * from './backup-monitoring';
