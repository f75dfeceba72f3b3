/**
 * The shipped handler bundles (assets/lambda/<name>/index.js, built by scripts/bundle.mjs, which
 * jest's global setup runs): each stays under 1 MB, the size a cold start loads; and the AWS SDK
 * inside them really works as bundled. The measured-RPO bundle, copied out of the repository, runs
 * its handler against a local stand-in for AWS (AWS_ENDPOINT_URL) with credentials in the
 * environment, as Lambda provides them: SSM (JSON 1.1), AWS Backup (REST JSON), RDS (Query/XML),
 * S3 (REST XML) and CloudWatch (JSON 1.0) requests are signed with those credentials, and the
 * responses are parsed into the RPO it publishes.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LAMBDA_ASSETS = join(ROOT, 'assets', 'lambda');
// 1 MB as 10^6 bytes, the stricter reading.
const MB = 1_000_000;

describe('shipped handler bundles', () => {
  it('every handler\'s index.js is under 1 MB (the MySQL driver is a file of its own, loaded on demand)', () => {
    const names = readdirSync(LAMBDA_ASSETS).filter((n) => !n.startsWith('.')).sort();
    expect(names).toEqual(['baseline-capture', 'measured-rpo', 'restore-validator']);
    const sizes = Object.fromEntries(names.map((n) => [n, statSync(join(LAMBDA_ASSETS, n, 'index.js')).size]));
    for (const [name, size] of Object.entries(sizes)) {
      expect({ name, size, under1MB: size < MB }).toEqual({ name, size, under1MB: true });
    }
  });
});

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const ACCESS_KEY = 'AKIDBUNDLESMOKETEST';
const SESSION_TOKEN = 'bundle-smoke-session-token';
const REGION = 'eu-west-1';
const RESOURCE_ARN = 'arn:aws:rds:eu-west-1:111122223333:db:orders';

describe('the shipped measured-RPO bundle against a local stand-in for AWS', () => {
  let dir: string;
  let server: Server;
  const requests: Recorded[] = [];
  const now = Date.now();
  const secondsAgo = (s: number) => new Date(now - s * 1000);
  // The newest recovery point is RDS's LatestRestorableTime, 120 s old.
  const times = { backup: secondsAgo(3600), rds: secondsAgo(120), manifestStopped: secondsAgo(1800), lastVerification: secondsAgo(7200) };
  const config = {
    databases: [{
      name: 'orders',
      awsBackup: { resourceArns: [RESOURCE_ARN] },
      rds: { instanceIdentifier: 'orders' },
      manifests: { bucket: 'orders-backups', prefix: 'orders' },
      silenceChecks: [{ check: 'verification', namespace: 'CdkDatabaseDr', metricName: 'VerificationSucceeded', dimensions: { Database: 'orders' }, lookbackSeconds: 86400 }],
    }],
  };

  function respond(r: Recorded): { status: number; type: string; body: string } {
    const target = String(r.headers['x-amz-target'] ?? '');
    if (target === 'AmazonSSM.GetParameter') {
      return { status: 200, type: 'application/x-amz-json-1.1', body: JSON.stringify({ Parameter: { Name: '/dr/measured-rpo', Type: 'String', Value: JSON.stringify(config) } }) };
    }
    if (target === 'GraniteServiceVersion20100801.GetMetricData') {
      return { status: 200, type: 'application/x-amz-json-1.0', body: JSON.stringify({ MetricDataResults: [{ Id: 'success', StatusCode: 'Complete', Timestamps: [times.lastVerification.getTime() / 1000], Values: [1] }] }) };
    }
    if (target === 'GraniteServiceVersion20100801.PutMetricData') return { status: 200, type: 'application/x-amz-json-1.0', body: '{}' };
    if (r.method === 'GET' && r.url.startsWith(`/resources/${encodeURIComponent(RESOURCE_ARN)}/recovery-points`)) {
      return { status: 200, type: 'application/json', body: JSON.stringify({ RecoveryPoints: [
        { RecoveryPointArn: 'arn:aws:rds:eu-west-1:111122223333:snapshot:awsbackup:job-1', BackupVaultName: 'orders-vault', Status: 'COMPLETED', CreationDate: times.backup.getTime() / 1000 },
      ] }) };
    }
    if (r.method === 'POST' && new URLSearchParams(r.body).get('Action') === 'DescribeDBInstances') {
      return { status: 200, type: 'text/xml', body: '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances>'
        + `<DBInstance><DBInstanceIdentifier>orders</DBInstanceIdentifier><LatestRestorableTime>${times.rds.toISOString()}</LatestRestorableTime></DBInstance>`
        + '</DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeDBInstancesResponse>' };
    }
    if (r.method === 'GET' && /^\/orders-backups\/?\?/.test(r.url) && r.url.includes('list-type=2')) {
      return { status: 200, type: 'application/xml', body: '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        + '<Name>orders-backups</Name><Prefix>orders/</Prefix><Delimiter>/</Delimiter><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>'
        + '<CommonPrefixes><Prefix>orders/20261203T100000Z-full/</Prefix></CommonPrefixes></ListBucketResult>' };
    }
    if (r.method === 'GET' && r.url.startsWith('/orders-backups/orders/20261203T100000Z-full/manifest.json')) {
      return { status: 200, type: 'application/json', body: JSON.stringify({ engine: 'mariabackup', startedAt: secondsAgo(2400).toISOString(), stoppedAt: times.manifestStopped.toISOString() }) };
    }
    return { status: 400, type: 'application/json', body: JSON.stringify({ message: `the stand-in does not serve ${r.method} ${r.url} ${target}` }) };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bundle-smoke-'));
    cpSync(join(LAMBDA_ASSETS, 'measured-rpo'), join(dir, 'bundle'), { recursive: true });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        requests.push(r);
        const out = respond(r);
        res.writeHead(out.status, { 'content-type': out.type, 'x-amzn-requestid': 'smoke' });
        res.end(out.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs every call with the environment\'s credentials, parses each protocol\'s response and publishes the newest point\'s age', async () => {
    const port = (server.address() as AddressInfo).port;
    const code = "require('./index.js').handler().then((r) => process.stdout.write('\\n' + JSON.stringify(r)), (e) => { console.error(e); process.exit(1); })";
    // Only what Lambda sets: no NODE_PATH, no AWS config files (HOME is an empty folder).
    const env = {
      PATH: process.env.PATH, HOME: dir, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: 'bundle-smoke-secret',
      AWS_SESSION_TOKEN: SESSION_TOKEN, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, MEASURED_RPO_CONFIG_PARAMETER: '/dr/measured-rpo',
    };
    const out = await new Promise<{ stdout: string; stderr: string; code: number }>((resolve) => {
      execFile(process.execPath, ['-e', code], { cwd: join(dir, 'bundle'), env, encoding: 'utf8' }, (error, stdout, stderr) =>
        resolve({ stdout, stderr, code: error ? Number(error.code ?? 1) : 0 }));
    });
    expect(out.code === 0 ? '' : out.stderr).toBe('');
    // The handler logs one JSON line per finding; the result is the last line.
    const result = JSON.parse(out.stdout.trim().split('\n').pop()!);

    const [db] = result.databases;
    expect(db.sources.map((s: { source: string; status: string }) => `${s.source}:${s.status}`).sort())
      .toEqual(['aws-backup:ok', 'rds-pitr:ok', 'runner-manifest:ok']);
    expect(db.bestSource).toBe('rds-pitr');
    expect(db.recoveryPointTime).toBe(times.rds.toISOString());
    expect(db.sources.find((s: { source: string }) => s.source === 'runner-manifest').recoveryPointTime).toBe(times.manifestStopped.toISOString());
    expect(db.sources.find((s: { source: string }) => s.source === 'aws-backup').recoveryPointTime).toBe(times.backup.toISOString());
    expect(result.silences[0]).toMatchObject({ check: 'verification', status: 'ok', lastSuccess: times.lastVerification.toISOString() });

    // Every request reached the stand-in signed (SigV4) with the environment's key and session token, for its own service.
    const services = requests.map((r) => {
      const auth = String(r.headers.authorization ?? '');
      expect(auth).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/\\d{8}/${REGION}/[a-z0-9]+/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$`));
      expect(r.headers['x-amz-security-token']).toBe(SESSION_TOKEN);
      return auth.split('/')[3];
    });
    expect([...new Set(services)].sort()).toEqual(['backup', 'monitoring', 'rds', 's3', 'ssm']);

    // The published data: the RPO of the newest source (about 120 s) and the silence clock.
    const put = requests.filter((r) => r.headers['x-amz-target'] === 'GraniteServiceVersion20100801.PutMetricData');
    expect(put).toHaveLength(1);
    const data = JSON.parse(put[0].body).MetricData as Array<{ MetricName: string; Value: number }>;
    const rpo = data.find((d) => d.MetricName === 'MeasuredRpoSeconds')!;
    expect(rpo.Value).toBeGreaterThanOrEqual(120);
    expect(rpo.Value).toBeLessThan(180);
    expect(data.map((d) => d.MetricName).sort()).toEqual(['MeasuredRpoSeconds', 'SecondsSinceLastSuccess']);
  });
});
