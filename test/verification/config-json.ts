/**
 * Reads a handler configuration out of a synthesized template: Stack.toJsonString renders it as
 * an Fn::Join of literal JSON and references. Literal parts stay, references become `REF(id)` /
 * `ATT(id.attr)`, so the JSON parses and compares as a whole.
 */
export function flattenJoin(value: unknown): string {
  if (typeof value === 'string') return value;
  const o = value as Record<string, any>;
  if (o['Fn::Join']) return (o['Fn::Join'][1] as unknown[]).map(flattenJoin).join(o['Fn::Join'][0]);
  if (o.Ref) return `REF(${o.Ref})`;
  if (o['Fn::GetAtt']) return `ATT(${o['Fn::GetAtt'].join('.')})`;
  throw new Error(`unexpected intrinsic ${JSON.stringify(value)}`);
}

export function parseConfig<T = any>(value: unknown): T {
  return JSON.parse(flattenJoin(value)) as T;
}
