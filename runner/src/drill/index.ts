/** Restore drills of runner backups: `runner drill` (see drill.ts for flags and exit codes). */
export { drill, runDrill, DRILL_ENGINES } from './drill';
export type { DrillIo, DrillResult } from './drill';
