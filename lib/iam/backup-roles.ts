import { aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { acknowledge } from '../storage/acknowledgements';

/** Properties of {@link BackupRoles}. */
export interface BackupRolesProps {
  /**
   * Permissions boundary applied to both roles.
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
  /**
   * Prefix of the role names: `<prefix>-backup` and `<prefix>-restore` (at most 56 characters,
   * IAM role name characters only).
   * @default - names CloudFormation generates
   */
  readonly roleNamePrefix?: string;
}

/** AWS managed policies of the AWS Backup service roles. */
const BACKUP_POLICIES = ['AWSBackupServiceRolePolicyForBackup', 'AWSBackupServiceRolePolicyForS3Backup'];
const RESTORE_POLICIES = ['AWSBackupServiceRolePolicyForRestores', 'AWSBackupServiceRolePolicyForS3Restore'];

/**
 * The dedicated identities of AWS Backup: a backup role and a restore role, each trusted only by
 * backup.amazonaws.com, separate from any application role.
 *
 * They carry the AWS managed AWS Backup service policies: those follow every resource type AWS
 * Backup adds and every permission it starts to need, which a hand-copied inline policy would not.
 */
export class BackupRoles extends Construct {
  /** Role that backup plans (backup selections) pass to AWS Backup to create recovery points. */
  public readonly backupRole: iam.IRole;
  /** Role that restore jobs and restore testing pass to AWS Backup. */
  public readonly restoreRole: iam.IRole;

  constructor(scope: Construct, id: string, props: BackupRolesProps = {}) {
    super(scope, id);
    const prefix = props.roleNamePrefix;
    if (prefix !== undefined && !/^[\w+=,.@-]{1,56}$/.test(prefix)) {
      throw new ConfigurationError(`BackupRoles ${this.node.path}`, [
        `roleNamePrefix must be 1 to 56 characters of letters, digits and +=,.@_-, got '${prefix}'`,
      ]);
    }
    this.backupRole = this.serviceRole('BackupRole', prefix && `${prefix}-backup`, BACKUP_POLICIES, props.permissionsBoundary,
      'AWS Backup service role that creates recovery points; trusted only by backup.amazonaws.com');
    this.restoreRole = this.serviceRole('RestoreRole', prefix && `${prefix}-restore`, RESTORE_POLICIES, props.permissionsBoundary,
      'AWS Backup service role that restores recovery points; trusted only by backup.amazonaws.com');
  }

  private serviceRole(id: string, roleName: string | undefined, policies: string[], boundary: iam.IManagedPolicy | undefined, description: string): iam.IRole {
    const role = new iam.Role(this, id, {
      roleName,
      description,
      // No aws:SourceAccount condition: AWS Backup documents confused-deputy keys for resource
      // policies (vault topics, keys), not for its service-role trust, and its own default role
      // trusts the bare service principal.
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      managedPolicies: policies.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(`service-role/${name}`)),
      permissionsBoundary: boundary,
    });
    acknowledge(role, policies.map((name): [string, string] => [
      `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${name}]`,
      `${name} is the AWS-maintained policy for the AWS Backup service role; it tracks every resource type and permission AWS Backup needs, which a copied inline policy would silently miss.`,
    ]));
    return role;
  }
}
