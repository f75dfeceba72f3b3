/**
 * The plan as AWS Organizations backup policies: golden structure of the policy generated from
 * examples/plans/tag-selection.json, every generated document against a JSON Schema of the
 * documented backup-policy syntax, the 10,000-character limit (packing and refusal), the
 * refusals (a database named only by ARN, too many tag conditions, bad options), and the DR
 * app's `-c organizationPolicy=DIR`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import { ConfigurationError } from '../../lib/errors';
import { loadPlanFile, parsePlan } from '../../lib/plan/load-plan';
import { BackupPlanConfig } from '../../lib/plan/types';
import { OrganizationBackupPolicies, OrganizationBackupPolicy } from '../../lib/protection';

const ROOT = join(__dirname, '..', '..');
const YEAR = { scheduleFromYear: 2028 };
const TAG_PLAN = join(ROOT, 'examples', 'plans', 'tag-selection.json');
const OBJECTIVES = { db_type: 'postgres', rpo_minutes: 1440, rto_minutes: 120, schedule_cron: 'cron(0 2 * * ? *)', retention_days: 14 };

/** `{ "@@assign": <value> }`, the value-setting operator of every leaf. */
const assigned = (value: object) => ({
  type: 'object', additionalProperties: false, required: ['@@assign'], properties: { '@@assign': value },
});
const digits = assigned({ type: 'string', pattern: '^[0-9]+$' });
const childControl = { type: 'array', items: { enum: ['@@none', '@@append', '@@assign', '@@remove'] } };
const lifecycle = { type: 'object', additionalProperties: false, required: ['delete_after_days'], properties: { delete_after_days: digits, move_to_cold_storage_after_days: digits } };
const tagPair = { type: 'object', additionalProperties: false, required: ['tag_key', 'tag_value'], properties: { tag_key: assigned({ type: 'string' }), tag_value: assigned({ type: 'string' }) } };
/**
 * The backup-policy elements this library writes, as documented (Organizations user guide,
 * "Backup policy syntax and examples"): plans → regions, rules, selections.resources,
 * backup_plan_tags; no other key is allowed, every leaf is under @@assign.
 */
const BACKUP_POLICY_SCHEMA = {
  type: 'object', additionalProperties: false, required: ['plans'],
  properties: {
    plans: {
      type: 'object', minProperties: 2,
      properties: { '@@operators_allowed_for_child_policies': childControl },
      patternProperties: {
        '^[A-Za-z0-9_.-]{1,50}$': {
          type: 'object', additionalProperties: false, required: ['regions', 'rules', 'selections'],
          properties: {
            '@@operators_allowed_for_child_policies': childControl,
            'regions': assigned({ type: 'array', minItems: 1, items: { type: 'string', pattern: '^[a-z]{2}(-gov)?-[a-z]+-[0-9]$' } }),
            'rules': {
              type: 'object', minProperties: 1,
              additionalProperties: {
                type: 'object', additionalProperties: false, required: ['schedule_expression', 'target_backup_vault_name', 'lifecycle'],
                properties: {
                  schedule_expression: assigned({ type: 'string', pattern: '^cron\\(.+\\)$' }),
                  start_backup_window_minutes: digits,
                  complete_backup_window_minutes: digits,
                  enable_continuous_backup: assigned({ type: 'boolean' }),
                  target_backup_vault_name: assigned({ type: 'string', pattern: '^[A-Za-z0-9_-]{2,50}$' }),
                  lifecycle,
                  copy_actions: {
                    type: 'object',
                    additionalProperties: {
                      type: 'object', additionalProperties: false, required: ['target_backup_vault_arn'],
                      properties: { target_backup_vault_arn: assigned({ type: 'string', pattern: '^arn:aws[a-z-]*:backup:[a-z0-9-]+:(\\$account|[0-9]{12}):backup-vault:.+$' }), lifecycle },
                    },
                  },
                },
              },
            },
            'selections': {
              type: 'object', additionalProperties: false, required: ['resources'],
              properties: {
                resources: {
                  type: 'object', minProperties: 1,
                  additionalProperties: {
                    type: 'object', additionalProperties: false, required: ['iam_role_arn', 'resource_types'],
                    properties: {
                      iam_role_arn: assigned({ type: 'string', pattern: '^arn:aws[a-z-]*:iam::\\$account:role/.+$' }),
                      resource_types: assigned({ type: 'array', items: { enum: ['arn:aws:rds:*:*:db:*', 'arn:aws:rds:*:*:cluster:*'] } }),
                      conditions: {
                        type: 'object', additionalProperties: false,
                        properties: {
                          string_equals: {
                            type: 'object', minProperties: 1, maxProperties: 30,
                            additionalProperties: {
                              type: 'object', additionalProperties: false, required: ['condition_key', 'condition_value'],
                              properties: { condition_key: assigned({ type: 'string', pattern: '^aws:ResourceTag/.+$' }), condition_value: assigned({ type: 'string' }) },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            'backup_plan_tags': { type: 'object', additionalProperties: tagPair },
          },
        },
      },
      additionalProperties: false,
    },
  },
};
const validatePolicy = new Ajv({ allErrors: true, strict: false }).compile(BACKUP_POLICY_SCHEMA);

function expectValid(result: OrganizationBackupPolicies): void {
  for (const p of result.policies) {
    const valid = validatePolicy(JSON.parse(p.content));
    expect(validatePolicy.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(p.size).toBe(p.content.length);
    expect(p.size).toBeLessThanOrEqual(OrganizationBackupPolicy.MAX_POLICY_CHARACTERS);
  }
}

function planOf(databases: object[], extra: object = {}): BackupPlanConfig {
  return parsePlan({ name: 'fleet', primary_region: 'us-east-1', dr_region: 'us-west-2', ...extra, databases }, 'fleet.json', YEAR);
}

function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return (e as ConfigurationError).problems;
  }
  throw new Error('accepted');
}

describe('examples/plans/tag-selection.json as an organization policy', () => {
  const result = OrganizationBackupPolicy.fromPlan(loadPlanFile(TAG_PLAN, YEAR));
  const policy = JSON.parse(result.policies[0].content);

  test('one policy, one plan per set of rules, locked against child policies that would change it', () => {
    expect(result.policies.map((p) => [p.name, p.planNames, p.databases])).toEqual([
      ['shop-dr-backup-policy', ['shop-dr-1', 'shop-dr-2', 'shop-dr-3'], ['payments', 'catalog', 'reports']],
    ]);
    expect(result.notCovered).toEqual([]);
    expect(policy.plans['@@operators_allowed_for_child_policies']).toEqual(['@@append']);
    for (const name of ['shop-dr-1', 'shop-dr-2', 'shop-dr-3']) {
      expect(policy.plans[name]['@@operators_allowed_for_child_policies']).toEqual(['@@none']);
      expect(policy.plans[name].regions).toEqual({ '@@assign': ['eu-west-1'] });
      expect(policy.plans[name].backup_plan_tags.plan.tag_value).toEqual({ '@@assign': 'shop-dr' });
    }
    expectValid(result);
  });

  test('payments: continuous + daily + weekly rules into the member account\'s vault, each copied to its DR-Region vault', () => {
    const rules = policy.plans['shop-dr-1'].rules;
    expect(Object.keys(rules)).toEqual(['Continuous', 'Scheduled', 'Weekly']);
    expect(rules.Continuous).toEqual({
      schedule_expression: { '@@assign': 'cron(0 1 * * ? *)' },
      start_backup_window_minutes: { '@@assign': '60' },
      complete_backup_window_minutes: { '@@assign': '480' },
      enable_continuous_backup: { '@@assign': true },
      target_backup_vault_name: { '@@assign': 'cdk-database-dr' },
      lifecycle: { delete_after_days: { '@@assign': '35' } },
      copy_actions: {
        'arn:aws:backup:eu-central-1:$account:backup-vault:cdk-database-dr': {
          target_backup_vault_arn: { '@@assign': 'arn:aws:backup:eu-central-1:$account:backup-vault:cdk-database-dr' },
          lifecycle: { delete_after_days: { '@@assign': '35' } },
        },
      },
    });
    expect(rules.Scheduled.enable_continuous_backup).toBeUndefined();
    expect(rules.Weekly.schedule_expression).toEqual({ '@@assign': 'cron(0 1 ? * SUN *)' });
    expect(rules.Weekly.lifecycle).toEqual({ delete_after_days: { '@@assign': '28' } });
  });

  test('selections: the resource type and one string_equals condition per tag (ANDed), the member account\'s role', () => {
    expect(policy.plans['shop-dr-1'].selections).toEqual({
      resources: {
        payments: {
          iam_role_arn: { '@@assign': 'arn:aws:iam::$account:role/cdk-database-dr-backup' },
          resource_types: { '@@assign': ['arn:aws:rds:*:*:db:*'] },
          conditions: {
            string_equals: {
              tag1: { condition_key: { '@@assign': 'aws:ResourceTag/backup-tier' }, condition_value: { '@@assign': 'gold' } },
              tag2: { condition_key: { '@@assign': 'aws:ResourceTag/app' }, condition_value: { '@@assign': 'payments' } },
            },
          },
        },
      },
    });
    expect(policy.plans['shop-dr-2'].selections.resources.catalog.resource_types).toEqual({ '@@assign': ['arn:aws:rds:*:*:cluster:*'] });
    expect(Object.values(policy.plans['shop-dr-3'].selections.resources.reports.conditions.string_equals))
      .toEqual([{ condition_key: { '@@assign': 'aws:ResourceTag/cdk-database-dr:database' }, condition_value: { '@@assign': 'reports' } }]);
  });

  test('the schema of this test refuses what the syntax does not have (the check can fail)', () => {
    const broken = JSON.parse(result.policies[0].content);
    broken.plans['shop-dr-1'].rules.Scheduled.lifecycle.delete_after_days = 35;
    broken.plans['shop-dr-1'].selections.tags = {};
    expect(validatePolicy(broken)).toBe(false);
    expect((validatePolicy.errors ?? []).map((e) => e.instancePath)).toEqual(expect.arrayContaining([
      '/plans/shop-dr-1/rules/Scheduled/lifecycle/delete_after_days', '/plans/shop-dr-1/selections',
    ]));
  });
});

describe('grouping, copies and options', () => {
  test('databases with the same rules share one plan; a cross-account DR vault gets a second copy action; options name the vaults and role', () => {
    const dr = 'arn:aws:backup:us-west-2:444455556666:backup-vault:central';
    const plan = planOf([
      { name: 'a', ...OBJECTIVES, tags: { app: 'a' } },
      { name: 'b', ...OBJECTIVES, tags: { app: 'b' } },
      { name: 'c', ...OBJECTIVES, schedule_cron: 'cron(0 3 * * ? *)' },
    ], { account: '111122223333', dr_account: '444455556666', dr_vault_arn: dr });
    const result = OrganizationBackupPolicy.fromPlan(plan, { vaultName: 'org-vault', drVaultName: 'org-dr', roleName: 'org-backup' });
    const p = JSON.parse(result.policies[0].content).plans;
    expect(Object.keys(p['fleet-1'].selections.resources)).toEqual(['a', 'b']);
    expect(Object.keys(p['fleet-2'].selections.resources)).toEqual(['c']);
    expect(Object.keys(p['fleet-1'].rules.Scheduled.copy_actions)).toEqual(['arn:aws:backup:us-west-2:$account:backup-vault:org-dr', dr]);
    expect(p['fleet-1'].rules.Scheduled.target_backup_vault_name).toEqual({ '@@assign': 'org-vault' });
    expect(p['fleet-1'].selections.resources.a.iam_role_arn).toEqual({ '@@assign': 'arn:aws:iam::$account:role/org-backup' });
    expectValid(result);
  });

  test('self-managed databases are listed as not covered; a database named only by ARN is refused by path', () => {
    const selfManaged = {
      name: 'ledger', ...OBJECTIVES, deployment: 'self-managed',
      host: { address: 'db.internal', port: 5432, secret_arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf' },
    };
    const network = { vpc_id: 'vpc-0123456789abcdef0', availability_zones: ['us-east-1a'], private_subnet_ids: ['subnet-0123456789abcdef0'] };
    const covered = OrganizationBackupPolicy.fromPlan(planOf([{ name: 'a', ...OBJECTIVES }, selfManaged], { network }));
    expect(covered.notCovered).toEqual(['ledger: self-managed — its runner tasks are infrastructure of one account; deploy the DR app in that account']);
    expect(covered.policies[0].databases).toEqual(['a']);
    expect(problemsOf(() => OrganizationBackupPolicy.fromPlan(planOf([{ name: 'o', ...OBJECTIVES, existing_resource_arn: 'arn:aws:rds:us-east-1:111122223333:db:o' }])))).toEqual([
      'databases[0].existing_resource_arn: an organization policy selects databases by tags in every member account, and "arn:aws:rds:us-east-1:111122223333:db:o" names one instance of one account; set selection "tags" with tags that identify it, got selection "arn"',
    ]);
  });

  test('bad options are named with their values, all at once', () => {
    expect(problemsOf(() => OrganizationBackupPolicy.fromPlan(planOf([{ name: 'a', ...OBJECTIVES }]), { vaultName: 'a b', roleName: 'r/x', startWindowMinutes: 30, completionWindowMinutes: 20 }))).toEqual([
      'vaultName: must be a backup vault name of 2-50 letters, digits, hyphens or underscores, got "a b"',
      'drVaultName: must be a backup vault name of 2-50 letters, digits, hyphens or underscores, got "a b"',
      'roleName: must be an IAM role name of 1-64 letters, digits or +=,.@_-, got "r/x"',
      'startWindowMinutes: must be a whole number of at least 60 (AWS Backup), got 30',
      'completionWindowMinutes: must be a whole number greater than startWindowMinutes (30), got 20',
    ]);
  });
});

describe('the 10,000-character limit', () => {
  test('a fleet is packed into several policies, each within the limit, every database once', () => {
    // 40 databases, 8 different schedules: 8 plans of 5 selections, more than one policy holds.
    const databases = Array.from({ length: 40 }, (_, i) => ({
      name: `db-${i}`, ...OBJECTIVES, schedule_cron: `cron(0 ${i % 8} * * ? *)`, tags: { 'app': `service-${i}`, 'backup-tier': 'gold' },
    }));
    const result = OrganizationBackupPolicy.fromPlan(planOf(databases));
    expect(result.policies.length).toBeGreaterThan(1);
    expect(result.policies.map((p) => p.name)).toEqual(result.policies.map((_, i) => `fleet-backup-policy-${i + 1}`));
    expect(result.policies.flatMap((p) => p.databases).sort()).toEqual(databases.map((d) => d.name).sort());
    // A plan split across policies continues under a new name, so two attached policies never merge one plan.
    const planNames = result.policies.flatMap((p) => p.planNames);
    expect(new Set(planNames).size).toBe(planNames.length);
    expectValid(result);
    // Each policy is full: the next database would not have fit.
    for (const p of result.policies.slice(0, -1)) expect(p.size).toBeGreaterThan(OrganizationBackupPolicy.MAX_POLICY_CHARACTERS - 1500);
  });

  test('more than 30 tag conditions, or one database whose plan alone exceeds the limit, are refused by path', () => {
    const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v']));
    expect(problemsOf(() => OrganizationBackupPolicy.fromPlan(planOf([{ name: 'a', ...OBJECTIVES, tags: many }]))))
      .toEqual(['databases[0].tags: a backup policy selection takes at most 30 tag conditions, got 31']);
    const huge = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`${'k'.repeat(120)}${i}`, 'v'.repeat(256)]));
    expect(problemsOf(() => OrganizationBackupPolicy.fromPlan(planOf([{ name: 'a', ...OBJECTIVES, tags: huge }]))))
      .toEqual([expect.stringMatching(/^databases\[0\]: its backup plan alone makes a policy of 1\d{4} characters; Organizations takes at most 10000/)]);
  });
});

describe('bin/app.ts -c organizationPolicy=DIR', () => {
  test('writes the policies into DIR and says what it wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdk-dr-org-'));
    try {
      const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
        cwd: ROOT,
        env: {
          ...process.env, CDK_OUTDIR: join(dir, 'cdk.out'), CDK_DISABLE_CLI_TELEMETRY: 'true',
          CDK_CONTEXT_JSON: JSON.stringify({ plan: TAG_PLAN, organizationPolicy: join(dir, 'policies') }),
        },
      });
      expect(readdirSync(join(dir, 'policies'))).toEqual(['shop-dr-backup-policy.json']);
      const written = readFileSync(join(dir, 'policies', 'shop-dr-backup-policy.json'), 'utf8');
      expect(written.trim()).toBe(OrganizationBackupPolicy.fromPlan(loadPlanFile(TAG_PLAN)).policies[0].content);
      expect(stderr).toMatch(/shop-dr-backup-policy\.json: \d{4}\/10000 characters, plans shop-dr-1, shop-dr-2, shop-dr-3; databases payments, catalog, reports/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
