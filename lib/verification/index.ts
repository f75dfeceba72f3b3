export * from './verified-database';
export * from './restore-verification';
