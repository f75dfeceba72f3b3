/**
 * CloudFormation's per-template limits, checked at synth: a stack that would exceed them is refused
 * with a ConfigurationError naming the stack and the count (or size), instead of aws-cdk-lib's
 * TooManyResourcesInStack stack trace or a deploy-time failure.
 */
import { Annotations, CfnElement, CfnOutput, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ConfigurationError } from './errors';

/**
 * The quotas of one template.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 */
export const CLOUDFORMATION_LIMITS = {
  resources: 500,
  outputs: 200,
  parameters: 200,
  /**
   * A template deployed from S3, as the CDK deploys every template over 50 KB and every nested
   * stack: CloudFormation's quota is 1 MB; 1,000,000 bytes is the conservative reading of it.
   */
  templateBytes: 1_000_000,
} as const;

const GUARDED = Symbol.for('cdk-database-dr.stack-limits');

/** What a stack holds, counted as CloudFormation counts it (its nested stacks' contents are theirs). */
export function countTemplateElements(stack: Stack): { resources: number; outputs: number; parameters: number } {
  let resources = 0;
  let outputs = 0;
  let parameters = 0;
  for (const c of stack.node.findAll()) {
    if (!(c instanceof CfnElement) || c.stack !== stack) continue;
    if (c instanceof CfnResource) resources++;
    else if (c instanceof CfnOutput) outputs++;
    else if (c instanceof CfnParameter) parameters++;
  }
  return { resources, outputs, parameters };
}

/**
 * The size in bytes of the template `stack` synthesizes to, as the CDK writes it (JSON indented by
 * one space). Undefined when this aws-cdk-lib does not expose the rendering.
 */
export function templateSizeBytes(stack: Stack): number | undefined {
  // `_toCloudFormation` is the rendering the CDK's synthesizers write to the template file. It is
  // not part of aws-cdk-lib's documented API, so its absence is reported instead of assumed.
  const render = (stack as unknown as { _toCloudFormation?: () => unknown })._toCloudFormation;
  if (typeof render !== 'function') return undefined;
  return Buffer.byteLength(JSON.stringify(stack.resolve(render.call(stack)), undefined, 1));
}

/** Every limit a stack exceeds, each naming the stack, the count (or size) and the limit. */
export function stackLimitProblems(stack: Stack): string[] {
  const counts = countTemplateElements(stack);
  const problems: string[] = [];
  for (const what of ['resources', 'outputs', 'parameters'] as const) {
    if (counts[what] > CLOUDFORMATION_LIMITS[what]) {
      problems.push(`stack ${stack.node.path}: ${counts[what]} ${what}, over CloudFormation's limit of ${CLOUDFORMATION_LIMITS[what]} per template; `
        + 'spread the databases over more stacks (the DR app packs them by their estimated resources and bytes: lower resourcesPerStack, or set databasesPerStack)');
    }
  }
  // Rendered only within the resource limit: aws-cdk-lib's rendering itself refuses more.
  const bytes = problems.length > 0 ? 0 : templateSizeBytes(stack);
  if (bytes === undefined) {
    Annotations.of(stack).addWarningV2('cdk-database-dr:template-size-unchecked',
      `this aws-cdk-lib version does not expose the template rendering, so the template's size was not checked against CloudFormation's limit of ${CLOUDFORMATION_LIMITS.templateBytes} bytes`);
  } else if (bytes > CLOUDFORMATION_LIMITS.templateBytes) {
    problems.push(`stack ${stack.node.path}: its template takes ${bytes.toLocaleString('en-US')} bytes, over CloudFormation's limit of `
      + `${CLOUDFORMATION_LIMITS.templateBytes.toLocaleString('en-US')} bytes per template; `
      + 'spread the databases over more stacks (the DR app packs them by their estimated resources and bytes: lower resourcesPerStack, or set databasesPerStack)');
  }
  return problems;
}

/**
 * Checks the stack of `scope` against CloudFormation's template limits at synth, once per stack,
 * after everything was added; throws a ConfigurationError with every limit exceeded.
 */
export function guardStackLimits(scope: IConstruct): void {
  const stack = Stack.of(scope);
  const marked = stack as unknown as { [GUARDED]?: boolean };
  if (marked[GUARDED]) return;
  marked[GUARDED] = true;
  stack.node.addValidation({
    validate: () => {
      const problems = stackLimitProblems(stack);
      if (problems.length > 0) throw new ConfigurationError(`stack ${stack.node.path}`, problems);
      return [];
    },
  });
}
