/**
 * The content of an SSM Automation document (schemaVersion 0.3) as plain data, and the checks its
 * shape must pass before it is put in a template: unique step names, every `{{ Parameter }}` and
 * `{{ Step.Output }}` reference declared (an output only by a step that runs before), every
 * `nextStep`/branch target a step, every document output a step's output.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-schemas-features.html
 */

/** One input parameter of a document. */
export interface AutomationParameter {
  readonly type: 'String' | 'StringList' | 'Integer' | 'Boolean' | 'StringMap';
  readonly description: string;
  readonly default?: unknown;
  readonly allowedPattern?: string;
  readonly allowedValues?: string[];
}

/** One output a step exports (`{{ Step.Name }}`). */
export interface AutomationOutput {
  readonly Name: string;
  readonly Selector: string;
  readonly Type: 'String' | 'StringList' | 'Integer' | 'Boolean' | 'StringMap' | 'MapList';
}

/** One step of `mainSteps`. */
export interface AutomationStep {
  readonly name: string;
  readonly action: string;
  readonly description?: string;
  readonly inputs: { readonly [key: string]: unknown };
  readonly outputs?: AutomationOutput[];
  readonly timeoutSeconds?: number;
  readonly onFailure?: string;
  readonly nextStep?: string;
  readonly isEnd?: boolean;
}

/** A whole document. */
export interface AutomationContent {
  readonly schemaVersion: '0.3';
  readonly description: string;
  readonly assumeRole: string;
  readonly parameters: { readonly [name: string]: AutomationParameter };
  readonly mainSteps: AutomationStep[];
  readonly outputs?: string[];
}

const REFERENCE = /\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}/g;

/** Automation's own variables, always defined. */
const BUILT_INS = new Set(['global:ACCOUNT_ID', 'global:REGION', 'global:DATE', 'global:DATE_TIME', 'global:AWS_PARTITION', 'automation:EXECUTION_ID']);

/** Every `{{ ... }}` reference in a value (strings inside arrays and objects included). */
export function referencesIn(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(REFERENCE)].map((m) => m[1]);
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(referencesIn);
  return [];
}

/**
 * Every problem of a document's shape, one line each (empty when it is sound). Steps may only
 * read the outputs of steps listed before them: branches only jump forward here.
 */
export function automationContentProblems(content: AutomationContent): string[] {
  const problems: string[] = [];
  if (content.schemaVersion !== '0.3') problems.push(`schemaVersion: must be 0.3 for Automation, got ${String(content.schemaVersion)}`);
  const params = new Set(Object.keys(content.parameters));
  const names = content.mainSteps.map((s) => s.name);
  const seen = new Set<string>();
  const outputsBefore = new Set<string>();
  const check = (where: string, value: unknown) => {
    for (const ref of referencesIn(value)) {
      if (BUILT_INS.has(ref) || params.has(ref) || outputsBefore.has(ref)) continue;
      const [step] = ref.split('.');
      problems.push(ref.includes('.')
        ? `${where}: {{ ${ref} }} is not an output of a step before it${names.includes(step) ? '' : ` (no step '${step}')`}`
        : `${where}: {{ ${ref} }} is not a declared parameter`);
    }
  };
  check('assumeRole', content.assumeRole);
  if (!/^\{\{\s*AutomationAssumeRole\s*\}\}$/.test(content.assumeRole) || !params.has('AutomationAssumeRole')) {
    problems.push(`assumeRole: must be {{ AutomationAssumeRole }}, a declared parameter, got ${content.assumeRole}`);
  }
  for (const [name, p] of Object.entries(content.parameters)) {
    if (!/^[A-Za-z0-9_]+$/.test(name)) problems.push(`parameters.${name}: a name of letters, digits and _ only`);
    check(`parameters.${name}.default`, p.default);
    if (p.allowedValues && p.allowedValues.length === 0) problems.push(`parameters.${name}: allowedValues is empty`);
    if (p.allowedValues && typeof p.default === 'string' && !p.allowedValues.includes(p.default)) {
      problems.push(`parameters.${name}: default '${p.default}' is not one of its allowedValues`);
    }
  }
  content.mainSteps.forEach((step, i) => {
    const where = `mainSteps[${i}] (${step.name})`;
    if (!/^[A-Za-z0-9_]+$/.test(step.name)) problems.push(`${where}: step names are letters, digits and _ only`);
    if (seen.has(step.name)) problems.push(`${where}: step name '${step.name}' is used twice`);
    seen.add(step.name);
    check(`${where}.inputs`, step.inputs);
    for (const target of [step.nextStep, ...branchTargets(step)]) {
      if (target === undefined) continue;
      const at = names.indexOf(target);
      if (at < 0) problems.push(`${where}: goes to '${target}', which is not a step`);
      else if (at <= i) problems.push(`${where}: goes back to '${target}' (steps here only go forward)`);
    }
    if (step.action === 'aws:approve') {
      const approvers = step.inputs.Approvers;
      if (approvers === undefined || (Array.isArray(approvers) && approvers.length === 0)) problems.push(`${where}: aws:approve needs Approvers`);
    }
    for (const o of step.outputs ?? []) outputsBefore.add(`${step.name}.${o.Name}`);
  });
  const allOutputs = new Set(content.mainSteps.flatMap((s) => (s.outputs ?? []).map((o) => `${s.name}.${o.Name}`)));
  for (const out of content.outputs ?? []) {
    if (!allOutputs.has(out)) problems.push(`outputs: '${out}' is not an output of any step`);
  }
  return problems;
}

function branchTargets(step: AutomationStep): string[] {
  if (step.action !== 'aws:branch') return [];
  const choices = (step.inputs.Choices as Array<{ NextStep: string }> | undefined) ?? [];
  return [...choices.map((c) => c.NextStep), ...(typeof step.inputs.Default === 'string' ? [step.inputs.Default] : [])];
}
