import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { ManifestBuilder, newBackupId, parseManifest } from '../../../runtime/manifest';
import { PosixStorage } from '../../../runner/src/core/storage';
import { Spool } from '../../../runner/src/core/spool';
import { JsonLogger } from '../../../runner/src/core/logger';
import { Redactor } from '../../../runner/src/core/redact';
import { StorageError } from '../../../runner/src/core/errors';

const quietLog = new JsonLogger(new Redactor(), 'error', {}, () => undefined);

describe('manifest', () => {
  it('sorts backup ids by time and totals the objects', () => {
    expect(newBackupId(new Date('2026-01-02T03:04:05.678Z'), 'incr')).toBe('20260102T030405Z-incr');
    const b = new ManifestBuilder({ backupId: 'id', database: 'd', engine: 'e', type: 'full', startedAt: new Date('2026-01-01T00:00:00Z') });
    b.addObject({ key: 'k1', sha256: 'a'.repeat(64), bytes: 10, rawBytes: 30, compression: 'zstd' });
    b.addObject({ key: 'k2', sha256: 'b'.repeat(64), bytes: 5, rawBytes: 5, compression: 'none' });
    b.setPosition({ binlogFile: 'bin.000001', binlogPosition: '4' });
    b.setToolVersion('zstd', 'v1.5');
    const m = b.build(new Date('2026-01-01T00:00:10Z'));
    expect(m).toMatchObject({ formatVersion: 1, durationSeconds: 10, bytesRaw: 35, bytesStored: 15, position: { binlogFile: 'bin.000001' } });
    expect(parseManifest(JSON.stringify(m), 'x')).toEqual(m);
  });

  it('rejects a document that is not a complete manifest, naming what is missing', () => {
    expect(() => parseManifest('{"formatVersion":1,"objects":[{"key":"k","sha256":"zz","bytes":1}]}', 'm.json'))
      .toThrow(/m\.json is not a valid manifest: backupId is missing; .*objects\[0\] needs key, sha256 \(64 hex\) and bytes/);
    expect(() => parseManifest('{', 'm.json')).toThrow(/not valid JSON/);
  });
});

describe('posix storage', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'posix-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores a stream under a temporary name and renames it only when complete', async () => {
    const s = new PosixStorage(dir);
    const data = Buffer.alloc(300000, 7);
    const r = await s.putStream('a/b/obj', Readable.from([data.subarray(0, 100000), data.subarray(100000)]), new AbortController().signal);
    expect(r).toEqual({ bytes: 300000, sha256: createHash('sha256').update(data).digest('hex') });
    expect(await s.list('a/')).toEqual([{ key: 'a/b/obj', size: 300000 }]);
    expect((await s.getBytes('a/b/obj')).equals(data)).toBe(true);
  });

  it('leaves nothing behind when the producer fails before commit', async () => {
    const s = new PosixStorage(dir);
    const failing = new Error('pg_dump exited with code 1');
    await expect(s.putStream('a/obj', Readable.from([Buffer.from('partial')]), new AbortController().signal, async () => { throw failing; })).rejects.toBe(failing);
    expect(readdirSync(join(dir, 'a'))).toEqual([]);
  });

  it('refuses keys that escape the repository', async () => {
    await expect(new PosixStorage(dir).putBytes('../x', 'y')).rejects.toBeInstanceOf(StorageError);
  });
});

describe('spool', () => {
  it('enforces the byte quota with a clear storage error and removes its folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'spool-'));
    try {
      const s = new Spool(root, 10, 'job1', quietLog);
      expect(() => s.writeSecretFile('a.cnf', '12345')).not.toThrow();
      expect(() => s.writeSecretFile('b.cnf', '123456')).toThrow(/spool directory .*job1 is full: writing b\.cnf would exceed --spool-max-bytes=10 \(5 bytes used\)/);
      s.cleanup();
      expect(readdirSync(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('writes secret files with mode 0600', () => {
    const root = mkdtempSync(join(tmpdir(), 'spool-'));
    try {
      const p = new Spool(root, 0, 'job2', quietLog).writeSecretFile('pw.cnf', '[client]\n');
      expect((require('node:fs').statSync(p).mode & 0o777).toString(8)).toBe('600');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
