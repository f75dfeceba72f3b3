export * from './backup-vault';
export * from './backup-bucket';
export * from './lifecycle';
export * from './object-lock';
