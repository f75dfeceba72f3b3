import { aws_iam as iam } from 'aws-cdk-lib';

/**
 * A role whose permissions (grants included) go into one customer-managed policy instead of an
 * inline default policy, which the HIPAA, NIST 800-53 and PCI packs reject (IAMNoInlinePolicy).
 */
export class ManagedPolicyRole extends iam.Role {
  private policy?: iam.ManagedPolicy;

  /** The policy holding the role's statements, once one was added. */
  public get managedPolicy(): iam.ManagedPolicy | undefined {
    return this.policy;
  }

  public override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    if (!this.policy) this.policy = new iam.ManagedPolicy(this, 'Policy', { roles: [this] });
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}
