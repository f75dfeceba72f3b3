/**
 * The destination side of cross-account copies: the vault in the DR account must allow
 * `backup:CopyIntoBackupVault` from the source account(s), or copy jobs fail with AccessDenied.
 *
 * Deploy it in the DR account's stack, on the vault that receives the copies. The source side
 * (DatabaseProtection) names that vault's ARN in `crossAccountVault`.
 *
 * Note: RDS and Aurora snapshots stay encrypted with the database's own KMS key; for a
 * cross-account copy that key must be a customer-managed key whose policy lets the destination
 * account use it (kms:Decrypt, kms:DescribeKey, kms:CreateGrant). AWS managed keys cannot be
 * shared, so such snapshots cannot be copied across accounts. Cross-account backup must also be
 * turned on in the AWS Organizations management account (AWS Backup settings), and both
 * accounts must belong to that organization.
 * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/create-cross-account-backup.html
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';

/** A vault whose access policy can be extended (aws-backup's BackupVault and this library's BackupVault). */
export interface IVaultWithAccessPolicy {
  addToAccessPolicy(statement: iam.PolicyStatement): void;
}

export interface CrossAccountCopyTargetProps {
  /** The destination vault (in this stack's account). */
  readonly vault: IVaultWithAccessPolicy;
  /** 12-digit ids of the accounts whose AWS Backup may copy into the vault. */
  readonly sourceAccountIds: string[];
  /**
   * Restrict further to an AWS Organization (aws:PrincipalOrgID).
   * @default - no organization condition
   */
  readonly sourceOrganizationId?: string;
}

export class CrossAccountCopyTarget extends Construct {
  /** The statement that allows the copies, for use on a vault this construct does not manage. */
  public static copyIntoStatement(sourceAccountIds: string[], sourceOrganizationId?: string): iam.PolicyStatement {
    const problems = sourceAccountIds.filter((a) => !Token.isUnresolved(a) && !/^[0-9]{12}$/.test(a))
      .map((a) => `sourceAccountIds: each must be a 12-digit account id, got "${a}"`);
    if (sourceAccountIds.length === 0) {
      problems.push('sourceAccountIds: at least one account is needed, got []');
    }
    if (sourceOrganizationId !== undefined && !Token.isUnresolved(sourceOrganizationId) && !/^o-[a-z0-9]{10,32}$/.test(sourceOrganizationId)) {
      problems.push(`sourceOrganizationId: must look like o-xxxxxxxxxx, got "${sourceOrganizationId}"`);
    }
    if (problems.length) {
      throw new ConfigurationError('CrossAccountCopyTarget', problems);
    }
    return new iam.PolicyStatement({
      sid: 'AllowCopyIntoFromSourceAccounts',
      effect: iam.Effect.ALLOW,
      principals: sourceAccountIds.map((a) => new iam.AccountPrincipal(a)),
      actions: ['backup:CopyIntoBackupVault'],
      resources: ['*'],
      conditions: sourceOrganizationId ? { StringEquals: { 'aws:PrincipalOrgID': sourceOrganizationId } } : undefined,
    });
  }

  constructor(scope: Construct, id: string, props: CrossAccountCopyTargetProps) {
    super(scope, id);
    props.vault.addToAccessPolicy(CrossAccountCopyTarget.copyIntoStatement(props.sourceAccountIds, props.sourceOrganizationId));
  }
}
