/**
 * The RDS DB instance or Aurora DB cluster a DatabaseProtection covers, given as a construct, as
 * the ARN of an existing database, or by tags (every instance or cluster carrying all of them).
 */
import { Arn, ArnFormat, Aws, Token } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { ConfigurationError } from '../errors';

/** The kind of database resource, for AWS Backup resource types and metric dimensions. */
export enum DatabaseResourceKind {
  /** An RDS DB instance (AWS Backup resource type `RDS`). */
  RDS_INSTANCE = 'RDS',
  /** An Aurora DB cluster (AWS Backup resource type `Aurora`). */
  AURORA_CLUSTER = 'Aurora',
}

/** A tag the selection must match; several tags are ANDed. */
export interface SelectionTag {
  /** Tag key: 1-128 letters, digits, spaces or `_.:/=+-@`, not starting with `aws:`. */
  readonly key: string;
  /** Tag value: 0-256 letters, digits, spaces or `_.:/=+-@`. */
  readonly value: string;
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+@-]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+@-]{0,256}$/u;

/**
 * The problems of a list of selection tags, each naming `<field>[i].key` or `.value` and the bad
 * value: at least one tag, keys and values in AWS's tag character set and length, no `aws:`
 * prefix, no key twice (a resource has one value per key, so two would match nothing).
 * @see https://docs.aws.amazon.com/tag-editor/latest/userguide/best-practices-and-strats.html
 */
export function selectionTagProblems(tags: SelectionTag[], field: string): string[] {
  const problems: string[] = [];
  if (tags.length === 0) problems.push(`${field}: at least one tag is needed for a tag selection, got []`);
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    if (Token.isUnresolved(t.key) || Token.isUnresolved(t.value)) return;
    if (!TAG_KEY.test(t.key) || t.key.startsWith('aws:')) {
      problems.push(`${field}[${i}].key: must be a tag key of 1-128 letters, digits, spaces or _.:/=+-@ not starting with aws:, got ${JSON.stringify(t.key)}`);
    }
    if (!TAG_VALUE.test(t.value)) {
      problems.push(`${field}[${i}].value: must be a tag value of 0-256 letters, digits, spaces or _.:/=+-@, got ${JSON.stringify(t.value)}`);
    }
    if (seen.has(t.key)) problems.push(`${field}[${i}].key: ${JSON.stringify(t.key)} is given twice; a resource carries one value per key, so the selection would match nothing`);
    seen.add(t.key);
  });
  return problems;
}

export class ProtectedDatabase {
  /** An RDS DB instance defined in (or imported into) this app. Its ARN refers to the instance by Ref. */
  public static fromDatabaseInstance(instance: rds.IDatabaseInstance): ProtectedDatabase {
    return new ProtectedDatabase(instance.instanceArn, DatabaseResourceKind.RDS_INSTANCE, instance.node.path, instance.instanceIdentifier);
  }

  /** An Aurora DB cluster defined in (or imported into) this app. */
  public static fromDatabaseCluster(cluster: rds.IDatabaseCluster): ProtectedDatabase {
    return new ProtectedDatabase(cluster.clusterArn, DatabaseResourceKind.AURORA_CLUSTER, cluster.node.path, cluster.clusterIdentifier);
  }

  /** An existing RDS DB instance: `arn:<partition>:rds:<region>:<account>:db:<id>`. */
  public static fromInstanceArn(instanceArn: string): ProtectedDatabase {
    ProtectedDatabase.checkArn(instanceArn, 'db', 'fromInstanceArn', 'an RDS DB instance ARN (arn:aws:rds:REGION:ACCOUNT:db:ID)');
    return new ProtectedDatabase(instanceArn, DatabaseResourceKind.RDS_INSTANCE, instanceArn, identifierOf(instanceArn));
  }

  /** An existing Aurora DB cluster: `arn:<partition>:rds:<region>:<account>:cluster:<id>`. */
  public static fromClusterArn(clusterArn: string): ProtectedDatabase {
    ProtectedDatabase.checkArn(clusterArn, 'cluster', 'fromClusterArn', 'an Aurora DB cluster ARN (arn:aws:rds:REGION:ACCOUNT:cluster:ID)');
    return new ProtectedDatabase(clusterArn, DatabaseResourceKind.AURORA_CLUSTER, clusterArn, identifierOf(clusterArn));
  }

  /**
   * Every RDS DB instance (or Aurora DB cluster) of the stack's account and Region that carries
   * all the given tags (AND). AWS Backup and restore testing select by the tags (the validator
   * matches a restore by its source's tags, so for verification they must name one database);
   * monitoring, which needs an identifier, watches the vault's job metrics for the resource type
   * instead of the instance's own metrics.
   */
  public static fromTags(kind: DatabaseResourceKind, tags: SelectionTag[]): ProtectedDatabase {
    const problems = selectionTagProblems(tags ?? [], 'tags');
    if (problems.length) {
      throw new ConfigurationError('ProtectedDatabase.fromTags', problems);
    }
    const resource = kind === DatabaseResourceKind.AURORA_CLUSTER ? 'cluster' : 'db';
    const description = `every ${kind === DatabaseResourceKind.AURORA_CLUSTER ? 'Aurora DB cluster' : 'RDS DB instance'} tagged ${tags.map((t) => `${t.key}=${t.value}`).join(' and ')}`;
    return new ProtectedDatabase(`arn:${Aws.PARTITION}:rds:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}:*`, kind, description, undefined, [...tags]);
  }

  private static checkArn(arn: string, resource: string, method: string, expected: string): void {
    if (Token.isUnresolved(arn)) {
      return;
    }
    let ok = false;
    try {
      const parts = Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME);
      ok = parts.service === 'rds' && parts.resource === resource && !!parts.resourceName && /^[0-9]{12}$/.test(parts.account ?? '');
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new ConfigurationError(`ProtectedDatabase.${method}`, [`arn: must be ${expected}, got "${arn}"`]);
    }
  }

  private constructor(
    /**
     * ARN of the instance or cluster (may be a token referring to it); for a selection by tags,
     * the pattern of every instance or cluster of the stack's account and Region.
     */
    public readonly arn: string,
    public readonly kind: DatabaseResourceKind,
    /** Construct path, ARN or the tag selection, for messages. */
    public readonly description: string,
    /**
     * The DB instance or cluster identifier (the `DBInstanceIdentifier` / `DBClusterIdentifier` of its metrics).
     * @default - undefined for a selection by tags
     */
    public readonly identifier?: string,
    /**
     * The tags that select the database, all of them (AND).
     * @default - undefined: the database is named by its ARN
     */
    public readonly selectionTags?: SelectionTag[],
  ) {}

  /** Whether the database is selected by tags rather than named (no identifier, no ARN of its own). */
  public get isSelectedByTags(): boolean {
    return this.selectionTags !== undefined;
  }
}

function identifierOf(arn: string): string {
  return Token.isUnresolved(arn) ? Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).resourceName! : arn.split(':').pop()!;
}
