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
 * The TargetName parameter: only names under `prefix` (an RDS identifier or a database name: letters,
 * digits and hyphens, nothing a pattern would read as a metacharacter), so the document can never write over production.
 */
export function targetNameParameter(what: string, prefix: string, maxSuffix: number): AutomationParameter {
  return {
    type: 'String',
    description: `${what}; must start with "${prefix}" (so it can never be production's name).`,
    allowedPattern: `^${prefix}[a-z0-9](?:[a-z0-9-]{0,${Math.max(0, maxSuffix - 1)}})$`,
  };
}

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

