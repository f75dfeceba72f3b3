import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadPlanFile } from '../../lib/plan/load-plan';
import { recoveryObjectives } from '../../lib/plan/objectives';
import { DatabaseProtection, protectedDatabaseFromPlan, protectionOptionsFromPlan } from '../../lib/protection';
import { BackupVault } from '../../lib/storage/backup-vault';

const plan = loadPlanFile(path.join(__dirname, '../../examples/backup-plan.json'), { scheduleFromYear: 2028 });

test('the default plan\'s RDS PostgreSQL (rpo 15) gets continuous backup, a copy to the DR vault and a selection naming it', () => {
  const orders = plan.databases.find((d) => d.name === 'orders')!;
  const stack = new Stack(new App(), 'Primary', { env: { account: '111122223333', region: plan.primaryRegion } });
  const vault = new BackupVault(stack, 'Vault');
  const drVaultArn = `arn:aws:backup:${plan.drRegion}:111122223333:backup-vault:dr`;
  const protection = new DatabaseProtection(stack, 'Orders', {
    ...protectionOptionsFromPlan(orders),
    database: protectedDatabaseFromPlan(orders)!,
    vault,
    drVault: BackupVault.fromBackupVaultArn(stack, 'Dr', drVaultArn),
  });
  expect(protection.rules.map((r) => [r.ruleName, r.retentionDays])).toEqual([['Continuous', 35], ['Scheduled', 35], ['Weekly', 28], ['Monthly', 372]]);
  const t = Template.fromStack(stack);
  t.hasResourceProperties('AWS::Backup::BackupPlan', {
    BackupPlan: {
      BackupPlanRule: Match.arrayWith([Match.objectLike({
        RuleName: 'Continuous', EnableContinuousBackup: true,
        CopyActions: [{ DestinationBackupVaultArn: drVaultArn, Lifecycle: { DeleteAfterDays: 35 } }],
      })]),
    },
  });
  t.hasResourceProperties('AWS::Backup::BackupSelection', {
    BackupSelection: { Resources: ['arn:aws:rds:us-east-1:111122223333:db:orders-prod'] },
  });
});

test('the Aurora database with rpo 1 day gets no continuous rule; self-managed is refused', () => {
  const billing = plan.databases.find((d) => d.name === 'billing')!;
  const options = protectionOptionsFromPlan(billing);
  expect(options.continuousBackup).toBe(false);
  expect(options.snapshotSchedule.expressionString).toBe('cron(30 3 * * ? *)');
  expect(protectedDatabaseFromPlan(billing)!.kind).toBe('Aurora');
  const ledger = plan.databases.find((d) => d.name === 'ledger')!;
  expect(() => protectionOptionsFromPlan(ledger)).toThrow(/databases\[2\]\.deployment: "self-managed" is protected by the runner/);
});

test('recovery objectives as Durations at the construct boundary', () => {
  const o = recoveryObjectives(plan.databases[0]);
  expect(o.rpo.toMinutes()).toBe(15);
  expect(o.rto.toMinutes()).toBe(60);
});
