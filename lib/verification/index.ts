export * from './verified-database';
export * from './restore-verification';
export * from './runner-drill';
export * from './drill-engines';
