/**
 * A name or ARN of the configuration as a runbook can print it: the value itself when synthesis
 * knows it (a plan's ARN, a Region, a fixed name), or, for a name CloudFormation generates at
 * deploy time, the shell command that reads it from the deployed stack.
 */
import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ConfigurationError } from '../errors';

/** One value of a runbook. */
export interface StackValue {
  /** The shell variable the runbook's commands use for it (e.g. `BUCKET`). */
  readonly variable: string;
  /** The value, when synthesis knows it. */
  readonly literal?: string;
  /** Where CloudFormation keeps it when it is generated: stack, Region and logical id. */
  readonly resource?: { readonly stackName: string; readonly region: string; readonly logicalId: string };
  /** How the runbook's tables show it. */
  readonly display: string;
  /** The line that sets the shell variable. */
  readonly shell: string;
}

/**
 * Describes `value` for a runbook. A token must resolve, in the stack of `owner` (the construct
 * that holds the value), to a plain `Ref` of one resource (its physical id: a bucket, vault or
 * cluster name, a task definition ARN); anything else is refused, so a runbook never prints an
 * unresolved token. `derived` is the shell command that computes a composite value (an ARN
 * built from a generated name) from values set before it.
 */
export function stackValue(variable: string, value: string, owner: IConstruct, derived?: { readonly shell: string; readonly display: string }): StackValue {
  if (!Token.isUnresolved(value)) {
    return { variable, literal: value, display: `\`${value}\``, shell: `${variable}='${value.replace(/'/g, `'\\''`)}'` };
  }
  const stack = Stack.of(owner);
  const resolved = stack.resolve(value) as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | undefined;
  const logicalId = physicalIdReference(resolved);
  if (!logicalId && derived) return { variable, display: derived.display, shell: `${variable}=${derived.shell}` };
  if (!logicalId) {
    throw new ConfigurationError('runbooks', [`${variable}: must be a literal or a reference to one resource's physical id in ${stack.stackName} (a name or ARN CloudFormation can look up), got ${JSON.stringify(resolved)}`]);
  }
  const where = stackReference(stack);
  const resource = { stackName: where.display, region: stack.region, logicalId };
  return {
    variable,
    resource,
    display: `the physical id of \`${logicalId}\` in stack \`${where.display}\` (${stack.region})`,
    shell: `${variable}=${physicalIdCommand(stack.region, where.shell, logicalId)}`,
  };
}

/** The shell command that prints the physical id of `logicalId` in the stack named by `stackShell`. */
function physicalIdCommand(region: string, stackShell: string, logicalId: string): string {
  return `$(aws cloudformation describe-stack-resource --region ${region} --stack-name ${stackShell} `
    + `--logical-resource-id ${logicalId} --query StackResourceDetail.PhysicalResourceId --output text)`;
}

/**
 * How a runbook names a deployed stack: its name, or for a nested stack (whose name CloudFormation
 * generates) the command that reads its id from the parent's nested-stack resource.
 */
function stackReference(stack: Stack): { readonly shell: string; readonly display: string } {
  const parent = stack.nestedStackParent;
  const resource = (stack as Stack & { readonly nestedStackResource?: CfnResource }).nestedStackResource;
  if (!parent || !resource) return { shell: stack.stackName, display: stack.stackName };
  const outer = stackReference(parent);
  const logicalId = parent.resolve(resource.logicalId) as string;
  return { shell: `"${physicalIdCommand(stack.region, outer.shell, logicalId)}"`, display: `${outer.display}/${stack.node.id}` };
}

/** Attributes that equal the resource's physical id (what describe-stack-resource returns). */
const PHYSICAL_ID_ATTRIBUTES = new Set(['BackupVaultName', 'GroupId']);

/** The logical id of a `Ref` (or an attribute equal to the physical id) of one resource of the stack. */
function physicalIdReference(resolved: { Ref?: unknown; 'Fn::GetAtt'?: unknown } | undefined): string | undefined {
  if (!resolved || typeof resolved !== 'object' || Object.keys(resolved).length !== 1) return undefined;
  if (typeof resolved.Ref === 'string') return resolved.Ref.startsWith('AWS::') ? undefined : resolved.Ref;
  const att = resolved['Fn::GetAtt'];
  if (Array.isArray(att) && typeof att[0] === 'string' && PHYSICAL_ID_ATTRIBUTES.has(att[1])) return att[0];
  return undefined;
}

/** A value the runbook computes in the shell from values set before it. */
export function derivedValue(variable: string, shell: string, display: string): StackValue {
  return { variable, display, shell: `${variable}=${shell}` };
}

/** A value only the operator knows (a subnet group of the DR network, ...): a line to fill in. */
export function operatorValue(variable: string, what: string): StackValue {
  return { variable, display: `yours to fill in: ${what}`, shell: `${variable}='<${what}>'` };
}
