/**
 * Runner engines whose backups `runner drill` can restore and check: the engine catalog's
 * `drill` flag. RunnerDrill refuses other engines at synth; test/verification/drill.test.ts checks
 * it against the runner's own list so the construct and the runner cannot disagree.
 */
import { ENGINES } from '../../runtime/engines';

export const DRILLED_ENGINES: string[] = ENGINES.filter((e) => e.drill).map((e) => e.name);
