/**
 * The RDS DB instance or Aurora DB cluster a DatabaseProtection covers, given as a construct or
 * as the ARN of an existing database.
 */
import { Arn, ArnFormat, Token } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { ConfigurationError } from '../errors';

/** The kind of database resource, for AWS Backup resource types and metric dimensions. */
export enum DatabaseResourceKind {
  /** An RDS DB instance (AWS Backup resource type `RDS`). */
  RDS_INSTANCE = 'RDS',
  /** An Aurora DB cluster (AWS Backup resource type `Aurora`). */
  AURORA_CLUSTER = 'Aurora',
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
    return new ProtectedDatabase(instanceArn, DatabaseResourceKind.RDS_INSTANCE, instanceArn);
  }

  /** An existing Aurora DB cluster: `arn:<partition>:rds:<region>:<account>:cluster:<id>`. */
  public static fromClusterArn(clusterArn: string): ProtectedDatabase {
    ProtectedDatabase.checkArn(clusterArn, 'cluster', 'fromClusterArn', 'an Aurora DB cluster ARN (arn:aws:rds:REGION:ACCOUNT:cluster:ID)');
    return new ProtectedDatabase(clusterArn, DatabaseResourceKind.AURORA_CLUSTER, clusterArn);
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
    /** ARN of the instance or cluster (may be a token referring to it). */
    public readonly arn: string,
    public readonly kind: DatabaseResourceKind,
    /** Construct path or ARN, for messages. */
    public readonly description: string,
    identifier?: string,
  ) {
    this.identifier = identifier ?? (Token.isUnresolved(arn) ? Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).resourceName! : arn.split(':').pop()!);
  }

  /** The DB instance or cluster identifier (the `DBInstanceIdentifier` / `DBClusterIdentifier` of its metrics). */
  public readonly identifier: string;
}
