/**
 * The parameters and steps every recovery document shares: the assume role, the approvers and
 * the approval gate, the target time and the target name.
 */
import { AutomationParameter, AutomationStep } from './automation-content';

/** `latest`, or a UTC time to the second. */
export const TARGET_TIME_PATTERN = '^(latest|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)$';

/** The AutomationAssumeRole parameter, defaulting to the document's own role. */
export function assumeRoleParameter(roleArn: string): AutomationParameter {
  return { type: 'String', description: 'The role the automation runs as (the document\'s own least-privilege role).', default: roleArn };
}

/** The Approvers parameter: required unless the runbooks were given default approvers. */
export function approversParameter(approvers: string[]): AutomationParameter {
  return {
    type: 'StringList',
    description: 'IAM users, roles or assumed-role ARNs, one of whom must approve before the step that can replace or redirect production.',
    ...(approvers.length > 0 ? { default: approvers } : {}),
  };
}

/** The TargetTime parameter. */
export function targetTimeParameter(what: string): AutomationParameter {
  return {
    type: 'String',
    description: `${what}: "latest", or a UTC time to the second (YYYY-MM-DDTHH:MM:SSZ).`,
    default: 'latest',
    allowedPattern: TARGET_TIME_PATTERN,
  };
}

/**
 * The pattern of the names a database may restore to: `prefix` (an RDS identifier or a database
 * name: letters, digits and hyphens, nothing a pattern would read as a metacharacter) and a suffix,
 * so a document can never write over production.
 */
export function targetNamePattern(prefix: string, maxSuffix: number): string {
  return `${prefix}[a-z0-9](?:[a-z0-9-]{0,${Math.max(0, maxSuffix - 1)}})`;
}

/**
 * The TargetName parameter of a document shared by several databases: any of their restore names
 * (`patterns`, from targetNamePattern); the SelectDatabase step then holds it to the chosen database's own.
 */
export function targetNameParameter(what: string, prefixes: string[], patterns: string[]): AutomationParameter {
  const starts = prefixes.length === 1 ? `"${prefixes[0]}"` : `the chosen Database's restore prefix (${prefixes.map((p) => `"${p}"`).join(', ')})`;
  return {
    type: 'String',
    description: `${what}; must start with ${starts}, so it can never be production's name.`,
    allowedPattern: `^(?:${patterns.join('|')})$`,
  };
}

/** The Database parameter: one of the databases the document serves. */
export function databaseParameter(names: string[]): AutomationParameter {
  return {
    type: 'String',
    description: 'The database to recover (its name in the plan); the document serves the databases of one stack.',
    allowedValues: [...names],
  };
}

/** One output of the SelectDatabase step. */
export interface SelectedValue {
  readonly name: string;
  readonly type: 'String' | 'StringList';
}

/** Picks the chosen database's values; a parameter given overrides a value; the target name must be the database's own. */
const SELECT_DATABASE = [
  'import re',
  '',
  'def handler(events, context):',
  "    databases = events['Databases']",
  "    name = events['Database']",
  '    if name not in databases:',
  "        raise Exception('Database %s is not one of the databases of this document: %s' % (name, ', '.join(sorted(databases))))",
  '    entry = dict(databases[name])',
  "    for key, value in events.get('Given', {}).items():",
  '        if value:',
  '            entry[key] = value',
  "    missing = [key for key in events.get('Required', []) if not entry.get(key)]",
  '    if missing:',
  "        raise Exception('no %s known for database %s: give it as a parameter' % (', '.join(missing), name))",
  "    target = events.get('TargetName')",
  "    pattern = entry.pop('TargetPattern', None)",
  '    if target is not None and pattern and re.fullmatch(pattern, target) is None:',
  "        raise Exception('TargetName %s is not a name database %s may restore to (it must match %s)' % (target, name, pattern))",
  "    forbidden = entry.pop('ForbiddenTargetName', None)",
  '    if target is not None and forbidden and target == forbidden:',
  "        raise Exception('TargetName %s is the production database of %s: restore into a new database, then copy back' % (target, name))",
  '    return entry',
].join('\n');

/**
 * The first step of a document shared by a stack's databases: looks the chosen Database up in a
 * map written at synthesis (`databases`: name -> values, tokens allowed), lets non-empty `given`
 * parameters override values, fails when a `required` value is missing, and holds TargetName to
 * the database's `TargetPattern` (and away from its `ForbiddenTargetName`). Runs no AWS call.
 */
export function selectDatabaseStep(props: {
  readonly databases: { readonly [database: string]: { readonly [key: string]: string | string[] } };
  readonly outputs: SelectedValue[];
  readonly given?: { readonly [key: string]: string };
  readonly required?: string[];
  readonly checkTargetName?: boolean;
}): AutomationStep {
  return {
    name: 'SelectDatabase',
    action: 'aws:executeScript',
    description: 'Looks up the chosen database (no AWS call) and checks TargetName is one of its restore names.',
    onFailure: 'Abort',
    timeoutSeconds: 60,
    inputs: {
      Runtime: 'python3.11',
      Handler: 'handler',
      Script: SELECT_DATABASE,
      InputPayload: {
        Database: '{{ Database }}',
        Databases: props.databases,
        ...(props.given ? { Given: props.given } : {}),
        ...(props.required ? { Required: props.required } : {}),
        ...(props.checkTargetName === false ? {} : { TargetName: '{{ TargetName }}' }),
      },
    },
    outputs: props.outputs.map((o) => ({ Name: o.name, Selector: `$.Payload.${o.name}`, Type: o.type })),
  };
}

/** The SelectDatabase script, for tests that run it. */
export const SELECT_DATABASE_SCRIPT = SELECT_DATABASE;

/** The approval gate, placed before the first step that creates anything (`why` says what it starts). */
export function approvalStep(name: string, message: string, why: string): AutomationStep {
  return {
    name,
    action: 'aws:approve',
    description: `Waits for one of the approvers: ${why}.`,
    timeoutSeconds: 3600,
    onFailure: 'Abort',
    inputs: { Approvers: '{{ Approvers }}', MinRequiredApprovals: 1, Message: message },
  };
}


/**
 * Waits (up to `waitSeconds`) until the RDS instance `identifier` is available or has failed, then
 * aborts unless it is available: step `waitName` waits, step `assertName` checks.
 */
export function instanceAvailableSteps(waitName: string, assertName: string, identifier: string, waitSeconds: number): AutomationStep[] {
  const status = { Service: 'rds', Api: 'DescribeDBInstances', DBInstanceIdentifier: identifier, PropertySelector: '$.DBInstances[0].DBInstanceStatus' };
  return [
    {
      name: waitName, action: 'aws:waitForAwsResourceProperty', timeoutSeconds: waitSeconds, onFailure: 'Abort',
      inputs: { ...status, DesiredValues: ['available', 'failed', 'incompatible-restore', 'incompatible-parameters', 'incompatible-network'] },
    },
    { name: assertName, action: 'aws:assertAwsResourceProperty', onFailure: 'Abort', inputs: { ...status, DesiredValues: ['available'] } },
  ];
}
