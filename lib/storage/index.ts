export * from './backup-vault';
export * from './backup-bucket';
export type { LifecycleTier } from './lifecycle';
export * from './object-lock';
