/**
 * The DR app's packing of databases into stacks: each kind's estimate is an upper bound of what
 * it really adds to its database stack (resources and template bytes, measured on synthesized
 * stacks of 2 and 5 databases of that kind), tight enough not to waste stacks; the packing itself
 * (plan order, a new stack at either budget, a database larger than a budget alone).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildDrApp } from '../../lib/app';
import { estimateDatabaseBytes, estimateDatabaseResources, packDatabases } from '../../lib/app/stack-packing';
import { DatabaseAssessment, assessPlan, parsePlan } from '../../lib/plan';

const EXAMPLE = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'backup-plan.json'), 'utf8'));

/** The plan of `n` copies of the example's database `k`, all in one stack. */
function measure(k: number, n: number): { resources: number; bytes: number; assessment: DatabaseAssessment } {
  const plan = parsePlan({ ...EXAMPLE, databases: Array.from({ length: n }, (_, i) => ({ ...EXAMPLE.databases[k], name: `${EXAMPLE.databases[k].name}${i}` })) }, 'kind.json');
  const built = buildDrApp(new App(), plan, { databasesPerStack: 50 });
  const stack: Stack = built.databaseStacks[0];
  const template = Template.fromStack(stack).toJSON();
  return { resources: Object.keys(template.Resources).length, bytes: JSON.stringify(template, undefined, 1).length, assessment: built.assessment.databases[0] };
}

describe.each([[0, 'orders (RDS, AWS Backup, restore verification)'], [1, 'billing (Aurora MySQL, AWS Backup and mysqldump)'], [2, 'ledger (self-managed PostgreSQL: pgBackRest, pg_dump, drill)']])(
  'the estimate of %s: %s', (k) => {
    const two = measure(k as number, 2);
    const five = measure(k as number, 5);
    const marginal = { resources: (five.resources - two.resources) / 3, bytes: (five.bytes - two.bytes) / 3 };
    const estimate = { resources: estimateDatabaseResources(two.assessment, true), bytes: estimateDatabaseBytes(two.assessment, true) };

    test('is at least what one more database adds to its stack, and at most a few resources and 35 % of bytes more', () => {
      process.stdout.write(`${EXAMPLE.databases[k as number].name}: adds ${marginal.resources} resources and ${Math.round(marginal.bytes)} bytes; estimated ${estimate.resources} and ${estimate.bytes}\n`);
      expect(estimate.resources).toBeGreaterThanOrEqual(marginal.resources);
      expect(estimate.resources).toBeLessThanOrEqual(marginal.resources + 3);
      expect(estimate.bytes).toBeGreaterThanOrEqual(marginal.bytes);
      expect(estimate.bytes).toBeLessThanOrEqual(marginal.bytes * 1.35 + 2_000);
    });
  });

describe('packing', () => {
  const plan = parsePlan({ ...EXAMPLE, databases: Array.from({ length: 12 }, (_, i) => ({ ...EXAMPLE.databases[i % 3], name: `db${i}` })) }, 'mix.json');
  const assessments = assessPlan(plan).databases;
  const names = (groups: DatabaseAssessment[][]) => groups.map((g) => g.map((a) => a.database.name));
  // Estimates of the mix: orders-like 4, billing-like 10, ledger-like 23 resources.
  const weights = assessments.map((a) => estimateDatabaseResources(a, true));

  test('fills stacks in plan order and opens a new one when the next database would exceed the resource budget', () => {
    expect(weights.slice(0, 3)).toEqual([4, 10, 23]);
    expect(names(packDatabases(assessments, true, 37))).toEqual([
      ['db0', 'db1', 'db2'], ['db3', 'db4', 'db5'], ['db6', 'db7', 'db8'], ['db9', 'db10', 'db11'],
    ]);
    // One less: each third database opens a stack.
    expect(names(packDatabases(assessments, true, 36))).toEqual([
      ['db0', 'db1'], ['db2', 'db3'], ['db4', 'db5'], ['db6', 'db7'], ['db8', 'db9'], ['db10', 'db11'],
    ]);
  });

  test('the byte budget binds too', () => {
    const bytes = assessments.slice(0, 3).map((a) => estimateDatabaseBytes(a, true));
    expect(names(packDatabases(assessments.slice(0, 3), true, 500, bytes[0] + bytes[1]))).toEqual([['db0', 'db1'], ['db2']]);
  });

  test('a database larger than the budget gets a stack of its own; appending never moves an earlier database', () => {
    expect(names(packDatabases(assessments.slice(0, 4), true, 10))).toEqual([['db0'], ['db1'], ['db2'], ['db3']]);
    const before = names(packDatabases(assessments.slice(0, 11), true, 60));
    const after = names(packDatabases(assessments, true, 60));
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
    expect(after[before.length - 1].slice(0, before[before.length - 1].length)).toEqual(before[before.length - 1]);
  });
});
