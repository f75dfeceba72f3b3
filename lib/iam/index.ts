export * from './backup-roles';
