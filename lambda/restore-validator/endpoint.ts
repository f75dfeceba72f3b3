/**
 * Finds where to connect to the restored copy from the restore job's created resource ARN:
 * `arn:aws:rds:<region>:<account>:db:<id>` (instance) or `...:cluster:<id>` (Aurora cluster).
 */
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** What the endpoint belongs to, for messages. */
  readonly resource: string;
}

export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

export async function findEndpoint(rds: RDSClient, createdResourceArn: string | undefined): Promise<Endpoint> {
  if (!createdResourceArn) throw new EndpointError('the restore job names no created resource');
  const m = /^arn:[^:]+:rds:[^:]*:[^:]*:(db|cluster):(.+)$/.exec(createdResourceArn);
  if (!m) throw new EndpointError(`created resource ${createdResourceArn} is not an RDS instance or cluster`);
  const [, kind, id] = m;
  try {
    if (kind === 'db') {
      const res = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      const db = res.DBInstances?.[0];
      if (!db?.Endpoint?.Address || !db.Endpoint.Port) {
        throw new EndpointError(`restored instance ${id} has no endpoint (status ${db?.DBInstanceStatus ?? 'unknown'})`);
      }
      return { host: db.Endpoint.Address, port: db.Endpoint.Port, resource: `instance ${id}` };
    }
    const res = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    const cluster = res.DBClusters?.[0];
    if (!cluster?.Endpoint || !cluster.Port) {
      throw new EndpointError(`restored cluster ${id} has no endpoint (status ${cluster?.Status ?? 'unknown'})`);
    }
    if ((cluster.DBClusterMembers ?? []).length === 0) {
      throw new EndpointError(`restored cluster ${id} has no DB instance to connect to`);
    }
    return { host: cluster.Endpoint, port: cluster.Port, resource: `cluster ${id}` };
  } catch (err) {
    if (err instanceof EndpointError) throw err;
    const e = err as { name?: string; message?: string };
    throw new EndpointError(`restored ${kind === 'db' ? 'instance' : 'cluster'} ${id} could not be described: ${e.name ?? 'Error'}: ${e.message ?? ''}`);
  }
}
