export * from './errors';
export * from './storage';
export * from './iam';
export * from './plan';
export * from './protection';
export * from './runner';
export * from './verification';
export * from './monitoring';
