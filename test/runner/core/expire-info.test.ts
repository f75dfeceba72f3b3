import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outcome, runRunner } from '../support/run-runner';

// Count-based retention (engines without their own) and info, through the CLI on a posix repository
// holding hand-made complete backups, one of them an incremental chain.
describe('expire and info', () => {
  let repo: string;
  const base = 'runner/inv/mongodump';
  beforeEach(() => { repo = mkdtempSync(join(tmpdir(), 'expire-')); });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  function backup(id: string, parent?: string, complete = true): void {
    const dir = join(repo, base, id);
    mkdirSync(dir, { recursive: true });
    const body = `data of ${id}`;
    writeFileSync(join(dir, 'dump.archive.zst'), body);
    if (!complete) return;
    const obj = { key: `${base}/${id}/dump.archive.zst`, sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length, rawBytes: body.length, compression: 'none' };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ formatVersion: 1, backupId: id, database: 'inv', engine: 'mongodump', type: id.split('-')[1],
      startedAt: '2026-01-01T00:00:00.000Z', stoppedAt: '2026-01-01T00:00:01.000Z', durationSeconds: 1, bytesRaw: obj.rawBytes, bytesStored: obj.bytes,
      objects: [obj], position: {}, toolVersions: {}, details: {}, ...(parent ? { parentBackupId: parent } : {}) }));
  }
  const args = (cmd: string) => [cmd, '--engine', 'mongodump', '--database', 'inv', '--posix-repo', repo];

  it('keeps the newest N complete backups and every backup they depend on; deletes the manifest before the objects', async () => {
    backup('20260101T000000Z-full');
    backup('20260102T000000Z-full');
    backup('20260103T000000Z-incr', '20260102T000000Z-full');
    backup('20260104T000000Z-incr', '20260103T000000Z-incr');
    backup('20260105T000000Z-full', undefined, false); // never completed: not a backup, not counted
    const r = await runRunner([...args('expire'), '--retain-count', '1'], {});
    expect(r.code).toBe(0);
    expect(r.logs.find((l) => l.msg === 'expire complete')).toMatchObject({
      kept: ['20260102T000000Z-full', '20260103T000000Z-incr', '20260104T000000Z-incr'], expired: ['20260101T000000Z-full'] });
    expect(existsSync(join(repo, base, '20260101T000000Z-full', 'manifest.json'))).toBe(false);
    expect(existsSync(join(repo, base, '20260101T000000Z-full', 'dump.archive.zst'))).toBe(false);
    expect(existsSync(join(repo, base, '20260102T000000Z-full', 'manifest.json'))).toBe(true);
    expect(outcome(r)).toMatchObject({ JobSuccess: 1, Job: 'expire' });

    const info = await runRunner(args('info'), {});
    expect(info.code).toBe(0);
    const listed = (info.logs.find((l) => l.msg === 'info')!.info as { backups: { backupId: string }[] }).backups.map((b) => b.backupId);
    expect(listed).toEqual(['20260102T000000Z-full', '20260103T000000Z-incr', '20260104T000000Z-incr']);

    // verify picks the newest complete backup (not the incomplete one) and re-hashes it.
    const v = await runRunner(args('verify'), {});
    expect(v.code).toBe(0);
    expect(outcome(v)).toMatchObject({ backupId: '20260104T000000Z-incr' });
  });

  it('needs --retain-count, and verify without any complete backup fails with exit 5', async () => {
    const e = await runRunner(args('expire'), {});
    expect(e.code).toBe(2);
    expect(e.logs.pop()!.msg).toMatch(/--retain-count \(or RUNNER_RETAIN_COUNT\) is required for expire/);
    backup('20260105T000000Z-full', undefined, false);
    const v = await runRunner(args('verify'), {});
    expect(v.code).toBe(5);
    expect(v.logs.filter((l) => l.level === 'error').pop()!.msg).toMatch(/no complete backup \(no manifest\) under runner\/inv\/mongodump\//);
  });

  it('removes partial objects a killed writer left behind once they are older than a day; a fresh one (a running backup) stays', async () => {
    backup('20260102T000000Z-full');
    backup('20260105T000000Z-full', undefined, false);
    const old = join(repo, base, '20260105T000000Z-full', 'dump.archive.zst.partial-4242');
    const oldManifest = join(repo, base, '20260102T000000Z-full', 'manifest.json.partial-4243');
    const fresh = join(repo, base, '20260106T000000Z-full', 'dump.archive.zst.partial-4244');
    mkdirSync(join(repo, base, '20260106T000000Z-full'));
    for (const f of [old, oldManifest, fresh]) writeFileSync(f, 'half a stream');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    for (const f of [old, oldManifest]) utimesSync(f, twoDaysAgo, twoDaysAgo);
    const r = await runRunner([...args('expire'), '--retain-count', '1'], {});
    expect(r.code).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(oldManifest)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(r.logs.find((l) => l.msg === 'stale partial objects removed')).toMatchObject({
      olderThanHours: 24, objects: [`${base}/20260102T000000Z-full/manifest.json.partial-4243`, `${base}/20260105T000000Z-full/dump.archive.zst.partial-4242`] });
    // The complete backup is untouched.
    expect(existsSync(join(repo, base, '20260102T000000Z-full', 'manifest.json'))).toBe(true);
  });
});
