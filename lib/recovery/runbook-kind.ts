/** The three recovery procedures every protected database gets a runbook for. */
export enum RunbookKind {
  /** Point-in-time recovery to a new instance, cluster or data directory, in the primary Region. */
  POINT_IN_TIME = 'point-in-time',
  /** Full recovery in the DR Region from the copies there (DR vault, replica bucket). */
  DR_REGION = 'dr-region',
  /** Selective table restore from the logical backup into a scratch database, and back. */
  TABLE_RESTORE = 'table-restore',
}

/** Every kind, in the order of the index. */
export const RUNBOOK_KINDS: readonly RunbookKind[] = [RunbookKind.POINT_IN_TIME, RunbookKind.DR_REGION, RunbookKind.TABLE_RESTORE];

/** The title of a kind's runbook. */
export function runbookTitle(kind: RunbookKind): string {
  switch (kind) {
    case RunbookKind.POINT_IN_TIME: return 'Point-in-time recovery';
    case RunbookKind.DR_REGION: return 'Full recovery in the DR Region';
    case RunbookKind.TABLE_RESTORE: return 'Selective table restore';
  }
}
