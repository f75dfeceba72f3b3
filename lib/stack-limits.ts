/**
 * CloudFormation's per-template limits, checked before synthesis: a stack that would exceed them
 * is refused with a ConfigurationError naming the stack and the count, instead of aws-cdk-lib's
 * TooManyResourcesInStack stack trace or a deploy-time failure.
 */
import { CfnElement, CfnOutput, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { ConfigurationError } from './errors';

/**
 * The quotas of one template.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
 */
export const CLOUDFORMATION_LIMITS = { resources: 500, outputs: 200, parameters: 200 } as const;

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

/** Every limit a stack exceeds, each naming the stack, the count and the limit. */
export function stackLimitProblems(stack: Stack): string[] {
  const counts = countTemplateElements(stack);
  const problems: string[] = [];
  for (const what of ['resources', 'outputs', 'parameters'] as const) {
    if (counts[what] > CLOUDFORMATION_LIMITS[what]) {
      problems.push(`stack ${stack.node.path}: ${counts[what]} ${what}, over CloudFormation's limit of ${CLOUDFORMATION_LIMITS[what]} per template; `
        + 'spread the databases over more stacks (the DR app places them in database stacks of databasesPerStack each)');
    }
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
