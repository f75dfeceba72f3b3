/**
 * The validator's match of a restore job's source to a configured database: by ARN, else (a
 * database selected by tags) by the source's tags read with rds:ListTagsForResource — all tags,
 * same resource type; nothing matched is undefined (a FAILED verdict upstream); a failure to read
 * the tags throws (the event is retried).
 */
import { ListTagsForResourceCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { sourceDatabase } from '../../lambda/restore-validator/source';
import { ValidatorDatabaseConfig } from '../../runtime/contracts/verification';

const rdsMock = mockClient(RDSClient);
const rds = new RDSClient({});
const NAMED: ValidatorDatabaseConfig = { name: 'orders', engine: 'postgres', sourceArn: 'arn:aws:rds:eu-west-1:111122223333:db:orders', secretArn: 's', databaseName: 'orders' };
const TAGGED: ValidatorDatabaseConfig = { name: 'shop', engine: 'postgres', sourceArn: 'arn:*:rds:*:*:db:*', sourceTags: { app: 'shop', tier: 'gold' }, secretArn: 's', databaseName: 'shop' };
const TAGGED_CLUSTER: ValidatorDatabaseConfig = { ...TAGGED, name: 'shop-cluster', sourceArn: 'arn:*:rds:*:*:cluster:*' };

beforeEach(() => rdsMock.reset());

test('by ARN first, without reading tags', async () => {
  expect(await sourceDatabase(rds, [TAGGED, NAMED], NAMED.sourceArn)).toBe(NAMED);
  expect(rdsMock.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
});

test('by the source\'s tags: all of them, and the resource type of the database', async () => {
  rdsMock.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: 'app', Value: 'shop' }, { Key: 'tier', Value: 'gold' }, { Key: 'owner', Value: 'x' }] });
  expect(await sourceDatabase(rds, [NAMED, TAGGED_CLUSTER, TAGGED], 'arn:aws:rds:eu-west-1:111122223333:db:shop-prod')).toBe(TAGGED);
  expect(rdsMock.commandCalls(ListTagsForResourceCommand)[0].args[0].input).toEqual({ ResourceName: 'arn:aws:rds:eu-west-1:111122223333:db:shop-prod' });
  expect(await sourceDatabase(rds, [NAMED, TAGGED_CLUSTER, TAGGED], 'arn:aws:rds:eu-west-1:111122223333:cluster:shop-prod')).toBe(TAGGED_CLUSTER);
});

test('a source missing one tag, or another tag value, matches nothing', async () => {
  rdsMock.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: 'app', Value: 'shop' }, { Key: 'tier', Value: 'silver' }] });
  expect(await sourceDatabase(rds, [TAGGED], 'arn:aws:rds:eu-west-1:111122223333:db:other')).toBeUndefined();
  rdsMock.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: 'app', Value: 'shop' }] });
  expect(await sourceDatabase(rds, [TAGGED], 'arn:aws:rds:eu-west-1:111122223333:db:other')).toBeUndefined();
});

test('no tag-selected database of that type: no tag read; a failed read throws', async () => {
  expect(await sourceDatabase(rds, [NAMED, TAGGED_CLUSTER], 'arn:aws:rds:eu-west-1:111122223333:db:x')).toBeUndefined();
  expect(rdsMock.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  rdsMock.on(ListTagsForResourceCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
  await expect(sourceDatabase(rds, [TAGGED], 'arn:aws:rds:eu-west-1:111122223333:db:x')).rejects.toThrow(/Rate exceeded/);
});

test('databases sharing one restore testing selection (one ARN list) are told apart by the restore job\'s source ARN', async () => {
  // RestoreVerification lists the ARNs of one resource type in one selection: the job's SourceResourceArn names the database.
  const billing: ValidatorDatabaseConfig = { ...NAMED, name: 'billing', sourceArn: 'arn:aws:rds:eu-west-1:111122223333:db:billing' };
  expect(await sourceDatabase(rds, [NAMED, billing, TAGGED], billing.sourceArn)).toBe(billing);
  expect(await sourceDatabase(rds, [NAMED, billing, TAGGED], NAMED.sourceArn)).toBe(NAMED);
  expect(rdsMock.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
});
