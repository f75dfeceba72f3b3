export * from './verified-database';
export * from './restore-verification';
// Only the construct and its props: the module's function-building helpers are internal.
export { BaselineCapture } from './baseline-capture';
export type { BaselineCaptureProps, BaselineDatabase } from './baseline-capture';
export * from './runner-drill';
export * from './drill-engines';
