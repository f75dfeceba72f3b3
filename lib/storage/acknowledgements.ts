import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges compliance-pack findings (cdk-nag rule ids, `Pack-Rule` or `Pack-Rule[Finding]`)
 * on one construct, each with the reason it does not apply there.
 */
export function acknowledge(scope: IConstruct, rules: Array<[string, string]>): void {
  for (const [id, reason] of rules) {
    Validations.of(scope).acknowledge({ id, reason });
  }
}

/**
 * Acknowledges an IAM5 wildcard-resource finding whose resource is an ARN token. cdk-nag names the
 * finding after the resolved ARN, and a cross-stack (or cross-region) reference resolves to one
 * form before the app is prepared and to the imported form after it; both are acknowledged, the
 * second from a validation hook, which runs after preparation and before the packs.
 */
export function acknowledgeWildcardResource(scope: IConstruct, arn: string, reason: string): void {
  const idOf = () => `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(arn))}]`;
  const early = idOf();
  acknowledge(scope, [[early, reason]]);
  scope.node.addValidation({
    validate: () => {
      const late = idOf();
      if (late !== early) {
        acknowledge(scope, [[late, reason]]);
      }
      return [];
    },
  });
}

/** Flattens a resolved CloudFormation value the way cdk-nag names findings. */
function flattenReference(value: unknown): string {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  const obj = value as Record<string, unknown>;
  if (obj['Fn::Join']) {
    const [delimiter, items] = obj['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (obj['Fn::Sub']) {
    return flattenReference(obj['Fn::Sub']);
  }
  if (obj['Fn::GetAtt']) {
    const [resource, attribute] = obj['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (obj['Fn::ImportValue']) {
    return flattenReference(obj['Fn::ImportValue']);
  }
  if (obj.Ref) {
    return `<${flattenReference(obj.Ref)}>`;
  }
  return JSON.stringify(value);
}
