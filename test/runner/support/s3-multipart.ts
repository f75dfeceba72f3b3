/**
 * The test S3 server (s3rver over HTTPS, like test/support/servers.ts startS3) with two additions the
 * fault tests need: ListMultipartUploads/AbortMultipartUpload (s3rver-multipart-hook.js), and
 * kill(), which stops the server process without deleting its data so a test can inspect what
 * was stored when the endpoint went down.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireTool, S3Server } from '../../support/servers';

export interface TestS3Server extends S3Server {
  /** The s3rver data directory (buckets are folders in it). */
  readonly dataDir: string;
  /** One JSON line per request: method, path, query keys, checksum algorithm and checksum (header or trailer). */
  requests(): { method: string; path: string; query: string[]; checksumAlgorithm: string | null; checksum: string | null }[];
  /** SIGKILLs the server (the endpoint goes down mid-request); the data stays until stop(). */
  kill(): Promise<void>;
}

export async function startS3WithMultipart(): Promise<TestS3Server> {
  requireTool('openssl');
  const baseDir = mkdtempSync(join(tmpdir(), 's3-runner-'));
  chmodSync(baseDir, 0o755);
  const key = join(baseDir, 'key.pem');
  const cert = join(baseDir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost'], { stdio: 'pipe' });
  chmodSync(cert, 0o644);
  const dataDir = join(baseDir, 'data');
  mkdirSync(dataDir);
  const port = await freePort();
  const script = `
    require(${JSON.stringify(join(__dirname, 's3rver-multipart-hook.js'))});
    const S3rver = require('s3rver');
    const fs = require('fs');
    new S3rver({ address: '127.0.0.1', port: ${port}, silent: true, directory: ${JSON.stringify(dataDir)},
      key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}) })
      .run().then(() => process.send && process.send('ready'));
  `;
  const requestLog = join(baseDir, 'requests.jsonl');
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: join(__dirname, '..', '..', '..'),
    env: { ...process.env, S3_REQUEST_LOG: requestLog } });
  let stderr = '';
  proc.stderr?.on('data', (d) => { stderr += String(d); });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`s3rver did not start: ${stderr}`)), 30000);
    proc.on('message', (m) => { if (m === 'ready') { clearTimeout(t); resolve(); } });
    proc.on('exit', (code) => { clearTimeout(t); reject(new Error(`s3rver exited with ${code}: ${stderr}`)); });
  });
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
  };
  return {
    endpoint: `https://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    caFile: cert,
    baseDir,
    dataDir,
    async createBucket(name: string): Promise<void> {
      await new Promise<void>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, method: 'PUT', path: `/${name}`, ca: readFileSync(cert) }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`create bucket ${name}: HTTP ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end();
      });
    },
    kill,
    requests() {
      return existsSync(requestLog) ? readFileSync(requestLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
    },
    async stop(): Promise<void> {
      await kill();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}
