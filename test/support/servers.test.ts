import { S3Client, PutObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import { startMariaDb, startPostgres, startS3 } from './servers';

// The test servers themselves: if these fail, every integration test would fail for the same reason.
describe('test servers', () => {
  it('starts PostgreSQL 15 on loopback and runs SQL', async () => {
    const pg = await startPostgres();
    try {
      expect(pg.psql('select 1+1')).toBe('2');
      expect(pg.psql('show server_version')).toMatch(/^15\./);
    } finally {
      await pg.stop();
    }
  });

  it('starts MariaDB on loopback with a root password', async () => {
    const db = await startMariaDb();
    try {
      expect(db.sql('select 40+2')).toBe('42');
      expect(db.sql('select version()')).toMatch(/MariaDB/);
    } finally {
      await db.stop();
    }
  });

  it('starts an S3-compatible server over TLS that lists nested prefixes', async () => {
    const s3 = await startS3();
    try {
      await s3.createBucket('dr-test');
      const client = new S3Client({
        endpoint: s3.endpoint, region: s3.region, forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(s3.caFile) }) }),
      });
      await client.send(new PutObjectCommand({ Bucket: 'dr-test', Key: 'repo/archive/db/15-1/0000/file', Body: 'x' }));
      // The s3rver listing bug: a "folder" holding only sub-folders must still be listed.
      const res = await client.send(new ListObjectsV2Command({ Bucket: 'dr-test', Prefix: 'repo/', Delimiter: '/' }));
      expect((res.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['repo/archive/']);
    } finally {
      await s3.stop();
    }
  });
});
