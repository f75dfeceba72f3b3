/**
 * The loader's plan-level checks, one at a time: for each, at least one compliant and one
 * non-compliant plan, with the exact messages (the loader reports them unchanged).
 */
import { CheckOutcome } from '../../../lib/plan/checks/check';
import { IPlanFileCheck } from '../../../lib/plan/checks/file-check';
import { drAccountDiffers } from '../../../lib/plan/checks/dr-account-differs';
import { drRegionDiffers } from '../../../lib/plan/checks/dr-region-differs';
import { drVaultArn } from '../../../lib/plan/checks/dr-vault-arn';
import { networkSubnetPerZone } from '../../../lib/plan/checks/network-subnet-per-zone';
import { networkZonesInRegion } from '../../../lib/plan/checks/network-zones-in-region';
import { vaultLockCoolingOff } from '../../../lib/plan/checks/vault-lock-cooling-off';
import { vaultLockRange } from '../../../lib/plan/checks/vault-lock-range';
import { runnerImagePinned } from '../../../lib/plan/checks/runner-image-pinned';
import { drNetwork } from '../../../lib/plan/checks/dr-network';
import { NETWORK, REGISTERED, basePlan, planContext } from './support';

interface Case {
  readonly name: string;
  /** Changes to basePlan(). */
  readonly plan: object;
  /** Expected problems; none means compliant. */
  readonly problems: string[];
}

const VAULT = 'arn:aws:backup:us-west-2:444455556666:backup-vault:dr';
const DR_NETWORK = { vpc_id: 'vpc-0fedcba9876543210', availability_zones: ['us-west-2a'], private_subnet_ids: ['subnet-0fedcba9876543210'] };

const CASES: Array<[IPlanFileCheck, Case[]]> = [
  [drRegionDiffers, [
    { name: 'another Region', plan: {}, problems: [] },
    { name: 'the same Region', plan: { dr_region: 'us-east-1' }, problems: ['dr_region: "us-east-1" must differ from primary_region "us-east-1" — a copy in the same Region does not survive a Regional outage'] },
  ]],
  [drAccountDiffers, [
    { name: 'another account', plan: { account: '111122223333', dr_account: '444455556666', dr_vault_arn: VAULT }, problems: [] },
    { name: 'the same account', plan: { account: '111122223333', dr_account: '111122223333' }, problems: ['dr_account: "111122223333" is the same as account; leave dr_account out for same-account copies'] },
  ]],
  [drVaultArn, [
    { name: 'the vault of dr_account in dr_region', plan: { account: '111122223333', dr_account: '444455556666', dr_vault_arn: VAULT }, problems: [] },
    { name: 'cross-account without a vault', plan: { dr_account: '444455556666' }, problems: ['dr_vault_arn: required when dr_account is set (the vault in account 444455556666 that receives the copies), got nothing'] },
    {
      name: 'a vault in another Region and account than dr_account',
      plan: { dr_account: '444455556666', dr_vault_arn: 'arn:aws:backup:eu-west-1:111122223333:backup-vault:dr' },
      problems: [
        'dr_vault_arn: "arn:aws:backup:eu-west-1:111122223333:backup-vault:dr" is in Region "eu-west-1", not dr_region "us-west-2"',
        'dr_vault_arn: "arn:aws:backup:eu-west-1:111122223333:backup-vault:dr" is in account 111122223333, not dr_account 444455556666',
      ],
    },
    {
      name: 'a same-account vault in another account',
      plan: { account: '111122223333', dr_vault_arn: VAULT },
      problems: [`dr_vault_arn: "${VAULT}" is in account 444455556666, not account 111122223333`],
    },
  ]],
  [networkSubnetPerZone, [
    { name: 'one subnet per zone', plan: { network: NETWORK }, problems: [] },
    {
      name: 'two zones, one subnet',
      plan: { network: { ...NETWORK, availability_zones: ['us-east-1a', 'us-east-1b'] } },
      problems: ['network.private_subnet_ids: 1 subnet(s) for 2 availability zone(s); give one subnet per zone, in the same order'],
    },
  ]],
  [networkZonesInRegion, [
    { name: 'zones of primary_region', plan: { network: NETWORK }, problems: [] },
    {
      name: 'a zone of another Region',
      plan: { network: { ...NETWORK, availability_zones: ['us-east-1a', 'us-west-2b'] } },
      problems: ['network.availability_zones: ["us-east-1a","us-west-2b"] must all be in primary_region "us-east-1"'],
    },
  ]],
  [vaultLockRange, [
    { name: 'min below max', plan: { vault_lock: { mode: 'governance', min_retention_days: 7, max_retention_days: 100 } }, problems: [] },
    {
      name: 'max below min',
      plan: { vault_lock: { mode: 'compliance', min_retention_days: 40, max_retention_days: 30, changeable_for_hours: 72 } },
      problems: ['vault_lock.max_retention_days: 30 is below min_retention_days 40'],
    },
  ]],
  [vaultLockCoolingOff, [
    { name: 'compliance with a cooling-off period', plan: { vault_lock: { mode: 'compliance', min_retention_days: 7, changeable_for_hours: 72 } }, problems: [] },
    { name: 'governance without one', plan: { vault_lock: { mode: 'governance', min_retention_days: 7 } }, problems: [] },
    {
      name: 'governance with one',
      plan: { vault_lock: { mode: 'governance', min_retention_days: 7, changeable_for_hours: 72 } },
      problems: ['vault_lock.changeable_for_hours: 72 applies to mode "compliance" only, got mode "governance"'],
    },
    {
      name: 'compliance without one',
      plan: { vault_lock: { mode: 'compliance', min_retention_days: 7 } },
      problems: ['vault_lock.changeable_for_hours: required for mode "compliance" (at least 72: the cooling-off period before the lock becomes immutable), got nothing'],
    },
  ]],
  [runnerImagePinned, [
    { name: 'a digest', plan: { runner_image: `public.ecr.aws/example/runner@sha256:${'a'.repeat(64)}` }, problems: [] },
    { name: 'a version tag', plan: { runner_image: '111122223333.dkr.ecr.us-east-1.amazonaws.com/cdk-database-dr-runner:0.1.0' }, problems: [] },
    {
      name: 'latest',
      plan: { runner_image: 'registry.example.com/dr/runner:latest' },
      problems: ['runner_image: "registry.example.com/dr/runner:latest" is not pinned — "latest" changes under running schedules; give the version tag you tested or a sha256 digest'],
    },
  ]],
  [drNetwork, [
    { name: 'zones of dr_region, one subnet each', plan: { network: NETWORK, dr_network: DR_NETWORK }, problems: [] },
    {
      name: 'two zones of which one is in the primary Region, one subnet, the primary VPC',
      plan: { network: NETWORK, dr_network: { ...DR_NETWORK, vpc_id: NETWORK.vpc_id, availability_zones: ['us-west-2a', 'us-east-1b'] } },
      problems: [
        'dr_network.private_subnet_ids: 1 subnet(s) for 2 availability zone(s); give one subnet per zone, in the same order',
        'dr_network.availability_zones: ["us-west-2a","us-east-1b"] must all be in dr_region "us-west-2"',
        `dr_network.vpc_id: "${NETWORK.vpc_id}" is network.vpc_id, the primary Region's VPC; give the VPC in dr_region "us-west-2"`,
      ],
    },
  ]],
];

describe.each(CASES.map(([check, cases]) => ({ id: check.id, check, cases })))('$id', ({ check, cases }) => {
  test.each(cases)('$name', ({ plan, problems }) => {
    const result = check.evaluate(planContext({ ...basePlan(), ...plan }));
    expect(result.problems).toEqual(problems);
    expect(result.outcome).toBe(problems.length ? CheckOutcome.NON_COMPLIANT : CheckOutcome.COMPLIANT);
    expect(result.warnings).toEqual([]);
  });
});

test('every plan-level check is registered and has a compliant and a non-compliant case', () => {
  expect(CASES.map(([check]) => check.id)).toEqual(REGISTERED.plan);
  for (const [, cases] of CASES) {
    expect(cases.some((c) => c.problems.length === 0)).toBe(true);
    expect(cases.some((c) => c.problems.length > 0)).toBe(true);
  }
});

test('plan-level checks without their subject are not applicable', () => {
  const plain = planContext(basePlan());
  for (const check of [drAccountDiffers, drVaultArn, networkSubnetPerZone, networkZonesInRegion, vaultLockRange, vaultLockCoolingOff, drNetwork]) {
    expect(check.evaluate(plain).outcome).toBe(CheckOutcome.NOT_APPLICABLE);
  }
});
