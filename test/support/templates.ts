/**
 * One assertions Template over a stack and its nested stacks (the DR app places each database in
 * a nested database stack): their resources, outputs and parameters, merged under their logical ids.
 */
import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export function templateWithNested(stack: Stack): Template {
  const stacks = [stack, ...stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack && c.nestedStackParent === stack)];
  const merged: Record<string, Record<string, unknown>> = { Resources: {}, Outputs: {}, Parameters: {} };
  for (const s of stacks) {
    const json = Template.fromStack(s).toJSON() as Record<string, Record<string, unknown> | undefined>;
    for (const section of Object.keys(merged)) {
      for (const [id, value] of Object.entries(json[section] ?? {})) {
        if (id in merged[section] && section !== 'Parameters') throw new Error(`${section} ${id} is in two of the stacks under ${stack.node.path}`);
        merged[section][id] = value;
      }
    }
  }
  return Template.fromJSON(merged);
}

/**
 * A synthesized string value as text: the literal parts of an `Fn::Join` kept, every reference
 * (`Ref`, `Fn::GetAtt`, a pseudo parameter) replaced by `placeholder`.
 */
export function joinedText(value: unknown, placeholder = 'TOKEN'): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | undefined)?.['Fn::Join'];
  return join ? join[1].map((part) => joinedText(part, placeholder)).join(join[0]) : placeholder;
}
