// Configuration problems are thrown as ConfigurationError (lib/errors.ts; name 'ConfigurationError',
// `problems` lists each one). It extends Error, which jsii cannot export to other languages, so it
// is not part of this entry point: catch it by name.
export * from './storage';
export * from './iam';
export * from './plan';
export * from './protection';
export * from './runner';
export * from './verification';
export * from './monitoring';
export * from './recovery';
