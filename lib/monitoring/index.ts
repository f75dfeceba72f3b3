export * from './backup-metrics';
export * from './replication-lag-metrics';
export * from './s3-replication-metrics';
export * from './runner-metrics';
export * from './verification-metrics';
export * from './recovery-metrics';
export * from './measured-rpo';
// The catalog's AlarmSeverity replaces backup-monitoring's when BackupMonitoring moves onto the catalog.
export { ALARM_TABLE_BEGIN, ALARM_TABLE_END, AlarmCatalog } from './alarms';
export type { AlarmKind } from './alarms';
export * from './backup-monitoring';
