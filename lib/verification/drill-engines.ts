/**
 * Runner engines whose backups `runner drill` can restore and check. Pure constant (no CDK
 * import): RunnerDrill refuses other engines at synth, and test/verification/drill.test.ts checks
 * it against the runner's own list so the construct and the runner cannot disagree.
 */
export const DRILLED_ENGINES = ['pg-dump', 'mysqldump', 'mariabackup'] as const;
