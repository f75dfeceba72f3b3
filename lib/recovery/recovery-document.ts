/**
 * One SSM Automation document with its own AutomationAssumeRole: a role trusted only by Systems
 * Manager in this account, whose permissions (one customer-managed policy) are the statements its
 * steps need and nothing else, and which is explicitly denied every delete and unlock of a backup.
 * A document may serve several databases of a stack: its content is built from them when the
 * template is written, and each database added widens its statements' resources by its own.
 */
import { Lazy, Stack, aws_iam as iam, aws_ssm as ssm } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { ConfigurationError } from '../errors';
import { ManagedPolicyRole } from '../runner/managed-policy-role';
import { acknowledgeWildcardResource } from '../storage/acknowledgements';
import { AutomationContent, automationContentProblems } from './automation-content';
import { DR_RESTORE_DENIED_ACTIONS } from './dr-region-validation';

/** @internal Properties of a RecoveryDocument. */
export interface RecoveryDocumentProps {
  /** The document's name (unique in the account and Region). */
  readonly documentName: string;
  /** Builds the content from the role's ARN (called again whenever the content is read: it follows the databases added). */
  readonly content: (roleArn: string) => AutomationContent;
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
  private readonly props: RecoveryDocumentProps;
  private readonly policy: IConstruct;
  /** The role's statements by Sid: a database added widens their resources. */
  private readonly statements = new Map<string, iam.PolicyStatement>();
  /** Wildcard resources acknowledged so far (one acknowledgement each, whatever the statements naming them). */
  private readonly acknowledged = new Set<string>();

  constructor(scope: Construct, id: string, props: RecoveryDocumentProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!/^[A-Za-z0-9_.-]{3,128}$/.test(props.documentName) || /^(aws|amazon)/i.test(props.documentName)) {
      throw new ConfigurationError(`RecoveryDocument ${this.node.path}`, [
        `documentName: 3 to 128 characters of letters, digits, _ . and -, not starting with aws or amazon, got '${props.documentName}'`]);
    }
    this.props = props;
    const role = new ManagedPolicyRole(this, 'AutomationRole', {
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `Runs the SSM Automation document ${props.documentName}: ${props.purpose}`.slice(0, 1000),
    });
    // Whatever the steps are granted, this role never deletes or unlocks a backup.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'NeverDeleteOrUnlockBackups', effect: iam.Effect.DENY, actions: [...DR_RESTORE_DENIED_ACTIONS], resources: ['*'],
    }));
    this.role = role;
    this.policy = role.managedPolicy ?? role;
    this.documentName = props.documentName;
    this.document = new ssm.CfnDocument(this, 'Document', {
      name: props.documentName,
      documentType: 'Automation',
      documentFormat: 'JSON',
      content: Lazy.any({ produce: () => this.content }),
      // A fixed name (alarm descriptions and runbooks name it) needs in-place versions on update.
      updateMethod: 'NewVersion',
    });
    this.node.addValidation({ validate: () => automationContentProblems(this.content).map((p) => `RecoveryDocument ${this.node.path}: content: ${p}`) });
  }

  /** The content as it stands (every database added so far). */
  public get content(): AutomationContent {
    return this.props.content(this.role.roleArn);
  }

  /**
   * Adds what one database's steps call: a statement whose Sid the role already has gets the new
   * resources (actions and conditions must be the same); every wildcard resource needs a reason.
   */
  public addStatements(statements: iam.PolicyStatement[]): void {
    const problems: string[] = [];
    for (const s of statements) {
      const json = s.toStatementJson() as { Sid?: string };
      const sid = json.Sid;
      if (!sid) {
        problems.push('statements: every statement needs a Sid (a database added merges into it)');
        continue;
      }
      const existing = this.statements.get(sid);
      const fresh = s.resources.filter((r) => !existing?.resources.includes(r));
      for (const resource of fresh.filter((r) => r.includes('*'))) {
        const key = JSON.stringify(Stack.of(this).resolve(resource));
        if (this.acknowledged.has(key)) continue;
        this.acknowledged.add(key);
        const reason = Object.entries(this.props.wildcardReasons).find(([suffix]) => (suffix === '*' ? resource === '*' : resource.endsWith(suffix)))?.[1];
        if (!reason) problems.push(`statements: wildcard resource ${resource} has no reason`);
        else acknowledgeWildcardResource(this.policy, resource, reason);
      }
      if (existing) {
        if (fresh.length > 0) existing.addResources(...fresh);
        continue;
      }
      this.statements.set(sid, s);
      this.role.addToPrincipalPolicy(s);
    }
    if (problems.length > 0) throw new ConfigurationError(`RecoveryDocument ${this.node.path}`, problems);
  }
}
