/** Each verification check gives what its expect needs, and nothing it ignores. */
import { fromProblems, notApplicable } from './check';
import { DatabaseFileContext, IDatabaseFileCheck } from './file-check';
import { showValue } from '../json-errors';

export const verificationChecks: IDatabaseFileCheck = {
  id: 'verification-checks',
  description: 'at_least has a numeric expected, newer_than (and only it) has max_age_minutes, not_empty has no expected.',
  evaluate({ raw, path }: DatabaseFileContext) {
    const checks = raw.verification?.checks ?? [];
    if (checks.length === 0) {
      return notApplicable();
    }
    const problems: string[] = [];
    checks.forEach((c, j) => {
      const cpath = `${path}.verification.checks[${j}]`;
      const expect = c.expect ?? 'equals';
      if (expect === 'at_least' && (c.expected === undefined || Number.isNaN(Number(c.expected)))) {
        problems.push(`${cpath}.expected: expect "at_least" needs a number, got ${showValue(c.expected)}`);
      }
      if (expect === 'newer_than' && c.max_age_minutes === undefined) {
        problems.push(`${cpath}.max_age_minutes: required for expect "newer_than", got nothing`);
      }
      if (expect !== 'newer_than' && c.max_age_minutes !== undefined) {
        problems.push(`${cpath}.max_age_minutes: ${c.max_age_minutes} applies to expect "newer_than" only, got expect "${expect}"`);
      }
      if (expect === 'not_empty' && c.expected !== undefined) {
        problems.push(`${cpath}.expected: ${showValue(c.expected)} has no meaning for expect "not_empty"`);
      }
    });
    return fromProblems(problems);
  },
};
