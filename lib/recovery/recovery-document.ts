/**
 * One SSM Automation document with its own AutomationAssumeRole: a role trusted only by Systems
 * Manager in this account, whose permissions (one customer-managed policy) are the statements its
 * steps need and nothing else. The content's shape is checked before synthesis.
 */
import { Stack, aws_iam as iam, aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConfigurationError } from '../errors';
import { ManagedPolicyRole } from '../runner/managed-policy-role';
import { acknowledgeWildcardResource } from '../storage/acknowledgements';
import { AutomationContent, automationContentProblems } from './automation-content';

/** @internal Properties of a RecoveryDocument. */
export interface RecoveryDocumentProps {
  /** The document's name (unique in the account and Region). */
  readonly documentName: string;
  /** Builds the content from the role's ARN. */
  readonly content: (roleArn: string) => AutomationContent;
  /** Everything the steps call. */
  readonly statements: iam.PolicyStatement[];
  /** For the role's description. */
  readonly purpose: string;
  /** Why each wildcard resource of the statements cannot be narrower, by the resource's ending (`*`: exactly `*`). */
  readonly wildcardReasons: { [resourceSuffix: string]: string };
}

/** @internal An Automation document and its assume role. */
export class RecoveryDocument extends Construct {
  public readonly document: ssm.CfnDocument;
  public readonly role: iam.IRole;
  public readonly documentName: string;
  public readonly content: AutomationContent;

  constructor(scope: Construct, id: string, props: RecoveryDocumentProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems: string[] = [];
    if (!/^[A-Za-z0-9_.-]{3,128}$/.test(props.documentName) || /^(aws|amazon)/i.test(props.documentName)) {
      problems.push(`documentName: 3 to 128 characters of letters, digits, _ . and -, not starting with aws or amazon, got '${props.documentName}'`);
    }
    const role = new ManagedPolicyRole(this, 'AutomationRole', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Runs the SSM Automation document ${props.documentName}: ${props.purpose}`.slice(0, 1000),
    });
    for (const statement of props.statements) role.addToPrincipalPolicy(statement);
    this.role = role;
    this.content = props.content(role.roleArn);
    problems.push(...automationContentProblems(this.content).map((p) => `content: ${p}`));
    if (problems.length > 0) throw new ConfigurationError(`RecoveryDocument ${this.node.path}`, problems);
    this.documentName = props.documentName;
    this.document = new ssm.CfnDocument(this, 'Document', {
      name: props.documentName,
      documentType: 'Automation',
      documentFormat: 'JSON',
      content: this.content,
      // A fixed name (alarm descriptions and runbooks name it) needs in-place versions on update.
      updateMethod: 'NewVersion',
    });

    const wildcards = new Set(props.statements.flatMap((s) => s.resources).filter((r) => r.includes('*')));
    const policy = role.managedPolicy ?? role;
    for (const resource of wildcards) {
      const reason = Object.entries(props.wildcardReasons).find(([suffix]) => (suffix === '*' ? resource === '*' : resource.endsWith(suffix)))?.[1];
      if (!reason) throw new ConfigurationError(`RecoveryDocument ${this.node.path}`, [`statements: wildcard resource ${resource} has no reason`]);
      acknowledgeWildcardResource(policy, resource, reason);
    }
  }
}
