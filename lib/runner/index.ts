export * from './backup-runner';
export * from './pgbackrest-config';
export * from './runner-env';
