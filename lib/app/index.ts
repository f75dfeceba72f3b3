export * from './compliance';
export * from './dr-region-stack';
export * from './primary-region-stack';
export * from './from-plan';
