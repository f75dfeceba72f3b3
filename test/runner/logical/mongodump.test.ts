import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mongodumpArgs, mongorestoreArgs, mongoConfigFile } from '../../../runner/src/engines/mongodump';
import { outcome, runRunner } from '../support/run-runner';

// mongo-tools cannot be installed here. These tests pin the exact command lines the engine runs (through
// a stand-in that records its argv, its --config file and the bytes it was given) and the missing-tool failure.
describe('mongodump engine', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mongo-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const password = 'm0ngo "pa$$" \\ word';
  const base = (repo: string) => ['--engine', 'mongodump', '--database', 'catalog', '--posix-repo', repo, '--db-host', '10.0.0.5', '--db-user', 'backup',
    '--spool-dir', join(dir, 'spool')];

  it('fails with exit 2, "mongodump is not installed", a failure metric and no manifest when the tool is missing', async () => {
    const repo = join(dir, 'repo');
    const r = await runRunner(['backup', ...base(repo)], { RUNNER_DB_PASSWORD: password, PATH: '/usr/bin:/bin' });
    expect(r.code).toBe(2);
    expect(r.logs.find((l) => l.level === 'error')!.msg).toMatch(/mongodump is not installed \(required by engine mongodump\)/);
    expect(outcome(r)).toMatchObject({ JobFailure: 1, JobSuccess: 0, Engine: 'mongodump', Job: 'backup', errorKind: 'config' });
    expect(existsSync(repo)).toBe(false);
    expect(r.stdout).not.toContain(password);
  });

  it('runs mongodump --archive --oplog and mongorestore --oplogReplay with exactly these arguments, the password only in a 0600 --config file', async () => {
    const bin = join(dir, 'bin');
    const rec = join(dir, 'rec');
    mkdirSync(bin);
    mkdirSync(rec);
    // Stand-ins: record argv, the --config file and its mode; mongodump emits a fixed archive, mongorestore hashes its stdin.
    const standIn = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh
if [ "$1" = "--version" ]; then echo "${name} version: 100.9.4"; exit 0; fi
for a in "$@"; do printf '%s\\n' "$a"; done > ${rec}/${name}.argv
cfg=$(printf '%s\\n' "$@" | sed -n 's/^--config=//p')
cp "$cfg" ${rec}/${name}.config
stat -c %a "$cfg" > ${rec}/${name}.mode
${body}
`);
      chmodSync(join(bin, name), 0o755);
    };
    standIn('mongodump', 'i=0; while [ $i -lt 2000 ]; do echo "bson-archive-line-$i"; i=$((i+1)); done');
    standIn('mongorestore', `sha256sum | cut -d' ' -f1 > ${rec}/mongorestore.stdin-sha256`);
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    const env = { PATH: `${bin}:/usr/bin:/bin`, RUNNER_DB_PASSWORD: password, RUNNER_TARGET_PASSWORD: password + '-target' };

    const backup = await runRunner(['backup', ...base(repo), '--mongo-read-preference', 'secondary'], env);
    expect(backup.code).toBe(0);
    const argv = readFileSync(join(rec, 'mongodump.argv'), 'utf8').trim().split('\n');
    expect(argv).toEqual([expect.stringMatching(/^--config=.*mongo-source\.yaml$/), '--host=10.0.0.5', '--port=27017', '--username=backup',
      '--authenticationDatabase=admin', '--readPreference=secondary', '--archive', '--oplog']);
    expect(readFileSync(join(rec, 'mongodump.config'), 'utf8')).toBe(`password: ${JSON.stringify(password)}\n`);
    expect(readFileSync(join(rec, 'mongodump.mode'), 'utf8').trim()).toBe('600');
    const manifestPath = join(repo, 'runner', 'catalog', 'mongodump', outcome(backup).backupId as string, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest).toMatchObject({ engine: 'mongodump', details: { oplog: true }, toolVersions: { mongodump: 'mongodump version: 100.9.4' } });
    let expected = '';
    for (let i = 0; i < 2000; i++) expected += `bson-archive-line-${i}\n`;
    expect(manifest.objects[0].rawBytes).toBe(expected.length);

    const restore = await runRunner(['restore', ...base(repo), '--target-host', '10.0.0.9', '--target-user', 'restorer', '--mongo-restore-drop'], env);
    expect(restore.code).toBe(0);
    expect(readFileSync(join(rec, 'mongorestore.argv'), 'utf8').trim().split('\n')).toEqual([expect.stringMatching(/^--config=.*mongo-target\.yaml$/),
      '--host=10.0.0.9', '--port=27017', '--username=restorer', '--authenticationDatabase=admin', '--archive', '--oplogReplay', '--drop', '--stopOnError']);
    expect(readFileSync(join(rec, 'mongorestore.config'), 'utf8')).toBe(`password: ${JSON.stringify(password + '-target')}\n`);
    // mongorestore received exactly the bytes mongodump produced (decompressed, hash-checked).
    expect(readFileSync(join(rec, 'mongorestore.stdin-sha256'), 'utf8').trim()).toBe(createHash('sha256').update(expected).digest('hex'));
    for (const text of [backup.stdout, backup.stderr, restore.stdout, restore.stderr, readFileSync(manifestPath, 'utf8')]) {
      expect(text).not.toContain(password);
    }
    expect(readFileSync(join(rec, 'mongodump.argv'), 'utf8')).not.toContain(password);
    // The spool (with the password files) is removed after each job.
    expect(readdirSync(join(dir, 'spool'))).toEqual([]);
  });

  it('builds a single-database dump without --oplog and restores it under another name', () => {
    const s = { authDb: 'admin', tls: true, tlsCaFile: '/etc/rds-ca.pem' };
    expect(mongodumpArgs('/s/c.yaml', { host: 'h', port: 27018, user: 'u', password: 'p', database: 'shop' }, s)).toEqual([
      '--config=/s/c.yaml', '--host=h', '--port=27018', '--username=u', '--authenticationDatabase=admin', '--ssl', '--sslCAFile=/etc/rds-ca.pem', '--archive', '--db=shop']);
    expect(mongorestoreArgs('/s/t.yaml', { host: 't', port: 27017, user: 'r', password: 'p', database: 'shop_copy' }, { authDb: 'admin', tls: false },
      { oplog: false, database: 'shop' }, false)).toEqual([
      '--config=/s/t.yaml', '--host=t', '--port=27017', '--username=r', '--authenticationDatabase=admin', '--archive', '--nsFrom=shop.*', '--nsTo=shop_copy.*', '--stopOnError']);
    expect(mongoConfigFile({ host: 'h', port: 1, user: 'u', password: 'a"b\\c' })).toBe('password: "a\\"b\\\\c"\n');
  });
});
