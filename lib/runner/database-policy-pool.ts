/**
 * The managed policies that the per-database roles of one stack share. The statements of two
 * databases' roles of one kind differ only by the database's name in object ARNs and prefix
 * conditions; templated with `${aws:PrincipalTag/<key>}` they are equal, so one policy serves
 * every such role and a stack of many databases holds a policy per kind of role, not per role.
 *
 * Least privilege stays exact: a role joins a shared policy only when its templated statements are
 * equal to the policy's, and the variable evaluates, for the role's tag, back to exactly its own
 * statements (checked again on the final template at synthesis).
 */
import { createHash } from 'node:crypto';
import { AspectPriority, Aspects, IAspect, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { ConfigurationError, throwIfProblems } from '../errors';
import { acknowledgeWildcardResource } from '../storage/acknowledgements';
import type { DatabaseRole } from './database-role';
import { containsText, evaluateVariable, principalTagVariable, tagKeyProblems, templateValue } from './policy-template';

/** IAM's limit on a managed policy document, in characters without whitespace. */
export const MANAGED_POLICY_MAX_CHARACTERS = 6144;

/** What a reference is counted as in a document's size: longer than a bucket, key or role ARN. */
const REFERENCE_CHARACTERS = 128;

/** Characters of a resolved value once deployed, as a JSON value (a reference becomes a string). */
function deployedJsonLength(value: unknown): number {
  if (isIntrinsic(value)) return deployedTextLength(value) + 2;
  if (typeof value === 'string') return JSON.stringify(value).length;
  if (Array.isArray(value)) return 2 + value.reduce((n: number, v) => n + deployedJsonLength(v), 0) + Math.max(0, value.length - 1);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return 2 + entries.reduce((n, [k, v]) => n + JSON.stringify(k).length + 1 + deployedJsonLength(v), 0) + Math.max(0, entries.length - 1);
  }
  return JSON.stringify(value).length;
}

/** Characters of a resolved string value once CloudFormation filled in its references. */
function deployedTextLength(value: unknown): number {
  if (typeof value === 'string') return JSON.stringify(value).length - 2;
  const join = isIntrinsic(value) ? (value as Record<string, unknown>)['Fn::Join'] : undefined;
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1] as unknown[];
    return parts.reduce((n: number, p) => n + deployedTextLength(p), 0) + join[0].length * Math.max(0, parts.length - 1);
  }
  return REFERENCE_CHARACTERS;
}

function isIntrinsic(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** Properties of {@link DatabasePolicyPool}. */
export interface DatabasePolicyPoolProps {
  /**
   * The principal tag each role carries with its database's name, read by the shared policies as
   * `${aws:PrincipalTag/<tagKey>}`. No colon, not starting with "aws".
   * @default 'CdkDatabaseDrDatabase'
   */
  readonly tagKey?: string;
}

/** One shared policy (or a part of one, when its document is over IAM's size limit) and its roles. */
interface SharedPart {
  readonly policy: iam.ManagedPolicy;
  /** Indexes of the roles' statements this part holds. */
  readonly from: number;
  readonly to: number;
  readonly roles: DatabaseRole[];
}

/**
 * One stack's pool of shared managed policies for DatabaseRoles: give it to RunnerRoles and
 * RunnerDrill (`policyPool`). At synthesis it creates one managed policy per distinct templated
 * document, with a logical id derived from that document, so adding a database never renames an
 * existing policy. Depend on the pool to wait for all its policies.
 */
export class DatabasePolicyPool extends Construct {
  /** The principal tag key. */
  public readonly tagKey: string;
  /** The policy variable standing for a role's database in the shared policies. */
  public readonly variable: string;
  private readonly roles: DatabaseRole[] = [];
  private readonly parts: SharedPart[] = [];
  private built = false;

  constructor(scope: Construct, id: string, props: DatabasePolicyPoolProps = {}) {
    super(scope, id);
    this.tagKey = props.tagKey ?? 'CdkDatabaseDrDatabase';
    throwIfProblems(`DatabasePolicyPool ${this.node.path}`, tagKeyProblems(this.tagKey));
    this.variable = principalTagVariable(this.tagKey);
    const self = this;
    const build: IAspect = { visit: (node: IConstruct) => { if (node === self) self.build(); } };
    Aspects.of(this).add(build, { priority: AspectPriority.MUTATING });
    this.node.addValidation({ validate: () => this.validatePool() });
  }

  /** The shared managed policies, once built (synthesis). */
  public get policies(): iam.ManagedPolicy[] {
    return this.parts.map((p) => p.policy);
  }

  /** @internal */
  public _addRole(role: DatabaseRole): void {
    this._assertOpen(`DatabaseRole ${role.node.path}`);
    this.roles.push(role);
  }

  /** @internal */
  public _assertOpen(what: string): void {
    if (this.built) {
      throw new ConfigurationError(what, [`called after the shared policies of ${this.node.path} were built (synthesis); add roles and statements before`]);
    }
  }

  /** Creates the shared policies from the roles' statements (once, at synthesis). */
  private build(): void {
    if (this.built) return;
    this.built = true;
    const stack = Stack.of(this);
    const groups = new Map<string, { statements: iam.PolicyStatement[]; roles: DatabaseRole[] }>();
    const problems: string[] = [];
    // Construct paths in code-point order (not the locale's): the same roles list on every machine.
    for (const role of [...this.roles].sort((a, b) => (a.node.path < b.node.path ? -1 : a.node.path > b.node.path ? 1 : 0))) {
      const raw = role.statements;
      if (raw.length === 0) continue;
      if (raw.some((st) => st.hasPrincipal)) problems.push(`${role.node.path}: a statement with a principal cannot go into an identity policy`);
      if (containsText(stack.resolve(raw.map((st) => st.toStatementJson())), this.variable)) {
        problems.push(`${role.node.path}: a statement already holds ${this.variable}, which the shared policies reserve for the role's database`);
      }
      const statements = raw.map((st) => this.templateStatement(role, st));
      const key = JSON.stringify(stack.resolve(statements.map((st) => st.toStatementJson())));
      const group = groups.get(key) ?? { statements, roles: [] };
      group.roles.push(role);
      groups.set(key, group);
    }
    throwIfProblems(`DatabasePolicyPool ${this.node.path}`, problems);

    for (const [key, group] of groups) {
      const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
      const ranges = this.split(group.statements, group.roles);
      ranges.forEach(([from, to], i) => {
        const policy = new iam.ManagedPolicy(this, i === 0 ? `Policy${hash}` : `Policy${hash}Part${i + 1}`, {
          roles: group.roles,
          description: `Shared by database roles tagged ${this.tagKey}: each role reaches only its own database's resources`,
          statements: group.statements.slice(from, to),
        });
        this.parts.push({ policy, from, to, roles: group.roles });
      });
      this.acknowledge(group.roles, this.parts.slice(-ranges.length));
    }
  }

  /** The statement with the role's database templated in its resources and condition values (nothing else). */
  private templateStatement(role: DatabaseRole, st: iam.PolicyStatement): iam.PolicyStatement {
    const t = (v: unknown) => (role.templatable ? templateValue(v, role.database, this.variable) : v);
    const resources = t(st.resources) as string[];
    const notResources = t(st.notResources) as string[];
    const conditions = t(st.conditions);
    return new iam.PolicyStatement({
      sid: st.sid,
      effect: st.effect,
      actions: st.actions.length ? st.actions : undefined,
      notActions: st.notActions.length ? st.notActions : undefined,
      resources: resources.length ? resources : undefined,
      notResources: notResources.length ? notResources : undefined,
      conditions: conditions && Object.keys(conditions as object).length ? conditions as Record<string, unknown> : undefined,
    });
  }

  /**
   * Statement ranges of at most IAM's size each, in order (deterministic). IAM counts the deployed
   * document, whose references CloudFormation has filled in: each reference (an ARN, a name) is
   * counted as REFERENCE_CHARACTERS, more than any ARN of ours, so the estimate errs on the safe side.
   */
  private split(statements: iam.PolicyStatement[], roles: DatabaseRole[]): Array<[number, number]> {
    const stack = Stack.of(this);
    const overhead = '{"Version":"2012-10-17","Statement":[]}'.length;
    const sizes = statements.map((st) => deployedJsonLength(stack.resolve(st.toStatementJson())));
    const ranges: Array<[number, number]> = [];
    let from = 0;
    let size = overhead;
    sizes.forEach((s, i) => {
      if (overhead + s > MANAGED_POLICY_MAX_CHARACTERS) {
        throw new ConfigurationError(`DatabasePolicyPool ${this.node.path}`, [
          `statement ${i + 1} of the roles ${roles.map((r) => r.node.path).join(', ')} is about ${s} characters: over IAM's ${MANAGED_POLICY_MAX_CHARACTERS} for a managed policy even on its own`,
        ]);
      }
      if (i > from && size + 1 + s > MANAGED_POLICY_MAX_CHARACTERS) {
        ranges.push([from, i]);
        from = i;
        size = overhead;
      }
      size += (i > from ? 1 : 0) + s;
    });
    ranges.push([from, statements.length]);
    return ranges;
  }

  /** Moves the roles' wildcard acknowledgements, templated, to the shared part that holds each resource. */
  private acknowledge(roles: DatabaseRole[], parts: SharedPart[]): void {
    const stack = Stack.of(this);
    const done = new Set<string>();
    for (const role of roles) {
      for (const ack of role.acknowledgements) {
        const resource = role.templated(ack.resource);
        const resolved = JSON.stringify(stack.resolve(resource));
        if (done.has(resolved)) continue;
        done.add(resolved);
        const holders = parts.filter((p) => JSON.stringify(stack.resolve(p.policy.document)).includes(resolved.slice(1, -1)));
        for (const part of holders.length ? holders : parts) acknowledgeWildcardResource(part.policy, resource, ack.reason);
      }
    }
  }

  /**
   * On the final template: each role carries its tag, cannot be given session tags that would
   * override it, and every shared part evaluated for the role's database is exactly its own statements.
   */
  private validatePool(): string[] {
    const stack = Stack.of(this);
    const problems: string[] = [];
    for (const part of this.parts) {
      const shared = stack.resolve(part.policy.document);
      for (const role of part.roles) {
        if (role.templatable) {
          // The tag manager renders { key, value } (CloudFormation's Key/Value come from the resource's mapper).
          const tags = stack.resolve((role.node.defaultChild as iam.CfnRole).tags.renderTags()) as Array<Record<string, string>> | undefined;
          const tag = tags?.find((t) => (t.key ?? t.Key) === this.tagKey);
          const value = tag ? (tag.value ?? tag.Value) : undefined;
          if (value !== role.database) problems.push(`${role.node.path}: its tag ${this.tagKey} must be "${role.database}" for the shared policies, got ${value === undefined ? 'none' : `"${value}"`}`);
        }
        if (JSON.stringify(stack.resolve(role.assumeRolePolicy)).includes('sts:TagSession')) {
          problems.push(`${role.node.path}: its trust policy allows sts:TagSession, and a session tag ${this.tagKey} would change what the shared policies grant it`);
        }
        const own = stack.resolve(new iam.PolicyDocument({ statements: role.statements.slice(part.from, part.to) }));
        const evaluated = role.templatable ? evaluateVariable(shared, this.variable, role.database) : shared;
        if (JSON.stringify(evaluated) !== JSON.stringify(own)) {
          problems.push(`${role.node.path}: the shared policy ${part.policy.node.path} evaluated for ${role.database} differs from the role's own statements`);
        }
      }
    }
    return problems;
  }
}
