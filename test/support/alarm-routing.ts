/**
 * Alarm routing checks on synthesized templates, for tests: every alarm notifies a topic someone
 * subscribes to (or a topic the user brought, by ARN), every topic has a subscriber, every backup
 * vault notifies a subscribed topic, and no two alarms watch the same condition.
 * `alarmRoutingProblems(templates)` returns one line per problem; an empty list is a pass.
 */
import { Template } from 'aws-cdk-lib/assertions';

type Resources = Record<string, { Type: string; Properties?: any }>;

/** The logical id a `{ Ref }` points at, or undefined for anything else. */
function refOf(value: unknown): string | undefined {
  return value && typeof value === 'object' && 'Ref' in (value as object) ? String((value as { Ref: unknown }).Ref) : undefined;
}

/** Problems of each named template; `importedTopicArns` are topics the user brought (subscribed elsewhere). */
export function alarmRoutingProblems(templates: Record<string, Template>, importedTopicArns: string[] = []): string[] {
  const problems: string[] = [];
  for (const [name, template] of Object.entries(templates)) {
    const resources = template.toJSON().Resources as Resources;
    const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
    const subscribed = new Set(of('AWS::SNS::Subscription').map(([, s]) => refOf(s.Properties.TopicArn)).filter((x): x is string => !!x));
    const topics = new Set(of('AWS::SNS::Topic').map(([id]) => id));
    for (const id of topics) {
      if (!subscribed.has(id)) problems.push(`${name}: topic ${id} has no AWS::SNS::Subscription`);
    }
    const target = (where: string, value: unknown) => {
      const ref = refOf(value);
      if (ref) {
        if (!topics.has(ref)) problems.push(`${name}: ${where} notifies ${ref}, which is not a topic of this stack`);
        else if (!subscribed.has(ref)) problems.push(`${name}: ${where} notifies topic ${ref}, which nobody subscribes to`);
      } else if (!(typeof value === 'string' && importedTopicArns.includes(value))) {
        problems.push(`${name}: ${where} notifies ${JSON.stringify(value)}, neither a topic of this stack nor an imported topic`);
      }
    };
    const seen = new Map<string, string>();
    for (const [id, alarm] of of('AWS::CloudWatch::Alarm')) {
      const p = alarm.Properties;
      const actions: unknown[] = p.AlarmActions ?? [];
      if (actions.length === 0) problems.push(`${name}: alarm ${id} has no AlarmActions`);
      actions.forEach((a) => target(`alarm ${id}`, a));
      const dims = [...(p.Dimensions ?? [])].sort((a: any, b: any) => String(a.Name).localeCompare(String(b.Name)));
      const key = JSON.stringify([p.Namespace, p.MetricName, dims, p.Threshold, p.ComparisonOperator, p.Metrics ?? null]);
      const twin = seen.get(key);
      if (twin) problems.push(`${name}: alarms ${twin} and ${id} watch the same metric, dimensions, threshold and comparison`);
      else seen.set(key, id);
    }
    for (const [id, vault] of of('AWS::Backup::BackupVault')) {
      const topic = vault.Properties?.Notifications?.SNSTopicArn;
      if (topic === undefined) problems.push(`${name}: vault ${id} sends no notifications`);
      else target(`vault ${id}'s notifications`, topic);
    }
  }
  return problems;
}

/** How many alarms, topics and subscriptions a template has. */
export function routingCounts(template: Template): { alarms: number; topics: number; subscriptions: number } {
  const count = (type: string) => Object.keys(template.findResources(type)).length;
  return { alarms: count('AWS::CloudWatch::Alarm'), topics: count('AWS::SNS::Topic'), subscriptions: count('AWS::SNS::Subscription') };
}
