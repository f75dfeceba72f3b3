/**
 * Which configured database a restore job's source is: the one named by its ARN, or, for a
 * database selected by tags (whose ARN is not known at synth), the one whose tags the source
 * carries, all of them, with the same resource type. The tags are read with
 * rds:ListTagsForResource; a failure to read them is AWS-side and throws (the event is retried).
 */
import { ListTagsForResourceCommand, RDSClient } from '@aws-sdk/client-rds';
import { ValidatorDatabaseConfig } from '../../runtime/contracts/verification';

/** `db` or `cluster` of an RDS ARN or ARN pattern. */
function resourceKind(arn: string): string | undefined {
  return /^arn:[^:]+:rds:[^:]*:[^:]*:(db|cluster):/.exec(arn)?.[1];
}

export async function sourceDatabase(
  rds: RDSClient, databases: readonly ValidatorDatabaseConfig[], sourceArn: string | undefined,
): Promise<ValidatorDatabaseConfig | undefined> {
  if (!sourceArn) return undefined;
  const named = databases.find((d) => d.sourceArn === sourceArn);
  if (named) return named;
  const kind = resourceKind(sourceArn);
  const candidates = databases.filter((d) => d.sourceTags && kind && resourceKind(d.sourceArn) === kind);
  if (candidates.length === 0) return undefined;
  const out = await rds.send(new ListTagsForResourceCommand({ ResourceName: sourceArn }));
  const tags = new Map((out.TagList ?? []).map((t) => [t.Key, t.Value]));
  return candidates.find((d) => Object.entries(d.sourceTags!).every(([k, v]) => tags.get(k) === v));
}
