import { App, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupRoles } from '../../lib/iam';

function newStack(): Stack {
  return new Stack(new App(), 'RolesStack', { env: { account: '123456789012', region: 'us-east-1' } });
}

const managed = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/service-role/${name}`]],
});

describe('BackupRoles', () => {
  test('two roles, each trusted only by backup.amazonaws.com, with the AWS Backup service policies', () => {
    const stack = newStack();
    const roles = new BackupRoles(stack, 'Roles');
    expect(roles.backupRole).not.toBe(roles.restoreRole);
    const t = Template.fromStack(stack);
    const all = Object.values(t.findResources('AWS::IAM::Role')) as any[];
    expect(all).toHaveLength(2);
    for (const role of all) {
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'backup.amazonaws.com' } },
      ]);
      expect(role.Properties.Policies).toBeUndefined();
    }
    const backupId = stack.resolve(roles.backupRole.roleName).Ref;
    const restoreId = stack.resolve(roles.restoreRole.roleName).Ref;
    const resources = t.toJSON().Resources;
    expect(resources[backupId].Properties.ManagedPolicyArns).toEqual([
      managed('AWSBackupServiceRolePolicyForBackup'), managed('AWSBackupServiceRolePolicyForS3Backup'),
    ]);
    expect(resources[restoreId].Properties.ManagedPolicyArns).toEqual([
      managed('AWSBackupServiceRolePolicyForRestores'), managed('AWSBackupServiceRolePolicyForS3Restore'),
    ]);
    t.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('permissions boundary and role name prefix apply to both roles', () => {
    const stack = newStack();
    const boundary = new iam.ManagedPolicy(stack, 'Boundary', {
      statements: [new iam.PolicyStatement({ actions: ['backup:*', 'rds:*'], resources: ['*'] })],
    });
    new BackupRoles(stack, 'Roles', { permissionsBoundary: boundary, roleNamePrefix: 'orders-db' });
    const t = Template.fromStack(stack);
    for (const name of ['orders-db-backup', 'orders-db-restore']) {
      t.hasResourceProperties('AWS::IAM::Role', {
        RoleName: name,
        PermissionsBoundary: { Ref: stack.getLogicalId(boundary.node.defaultChild as iam.CfnManagedPolicy) },
      });
    }
  });

  test('a bad role name prefix is rejected naming the value', () => {
    expect(() => new BackupRoles(newStack(), 'Roles', { roleNamePrefix: 'orders db/prod' }))
      .toThrow(/roleNamePrefix must be 1 to 56 characters .*got 'orders db\/prod'/);
  });
});
