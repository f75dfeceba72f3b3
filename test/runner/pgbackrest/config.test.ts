import {
  PgBackRestSettings, dbHostSecretsFileHint, pgBackRestSettingsProblems, renderArchiveCommand, renderDbHostConfig,
  renderLocalConfig, renderRepoHostConfig, renderRestoreCommand, repositoryPrefixes,
} from '../../../runtime/pgbackrest/config';
import { archivedSegmentTime, explainFailure, newBackup, parseInfoJson, parseVerifyText, pgUtc, targetTimeMs, verifyProblems } from '../../../runner/src/engines/pgbackrest/output';

const settings: PgBackRestSettings = {
  stanza: 'main',
  repository: { bucket: 'my-backups', region: 'eu-west-1' },
  databaseHost: { address: 'db1.internal', pgPath: '/var/lib/postgresql/15/main' },
};

function kv(conf: string, section: string): Record<string, string> {
  const out: Record<string, string> = {};
  let cur = '';
  for (const line of conf.split('\n')) {
    const m = /^\[(.+)\]$/.exec(line);
    if (m) { cur = m[1]; continue; }
    if (cur === section && line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}

describe('pgBackRest configuration from one settings object', () => {
  test('repository host (runner) reaches the DB host over TLS and writes the encrypted S3 repository', () => {
    const conf = renderRepoHostConfig(settings, { lockPath: '/s/lock', logPath: '/s/log', spoolPath: '/s/spool', tlsCaFile: '/s/ca', tlsCertFile: '/s/crt', tlsKeyFile: '/s/key' });
    const g = kv(conf, 'global');
    expect(g).toMatchObject({
      'repo1-type': 's3', 'repo1-path': '/pgbackrest', 'repo1-s3-bucket': 'my-backups', 'repo1-s3-region': 'eu-west-1',
      'repo1-s3-endpoint': 's3.eu-west-1.amazonaws.com', 'repo1-s3-uri-style': 'host', 'repo1-cipher-type': 'aes-256-cbc',
      'compress-type': 'zst', 'compress-level': '3', 'process-max': '2', 'start-fast': 'y', 'lock-path': '/s/lock',
    });
    // No secret is ever rendered, and the backup job carries no retention (it must not delete).
    expect(conf).not.toMatch(/cipher-pass|s3-key|s3-token|retention/);
    expect(kv(conf, 'main')).toEqual({
      'pg1-host': 'db1.internal', 'pg1-host-type': 'tls', 'pg1-host-port': '8432', 'pg1-host-ca-file': '/s/ca',
      'pg1-host-cert-file': '/s/crt', 'pg1-host-key-file': '/s/key', 'pg1-path': '/var/lib/postgresql/15/main',
      'pg1-port': '5432', 'pg1-socket-path': '/var/run/postgresql',
    });
  });

  test('only the expire job renders retention', () => {
    const conf = renderLocalConfig({ ...settings, retentionFull: 4, retentionDiff: 3 },
      { lockPath: '/l', logPath: '/g', spoolPath: '/p', applyRetention: true }, '/restore/here');
    expect(kv(conf, 'global')).toMatchObject({ 'repo1-retention-full': '4', 'repo1-retention-diff': '3' });
    expect(kv(conf, 'main')['pg1-path']).toBe('/restore/here');
  });

  test('database host: archive-push to the same repository, TLS server for the runner only, instance-profile credentials', () => {
    const conf = renderDbHostConfig(settings);
    const g = kv(conf, 'global');
    const runner = kv(renderRepoHostConfig(settings, { lockPath: '/a', logPath: '/b', spoolPath: '/c' }), 'global');
    for (const k of ['repo1-type', 'repo1-path', 'repo1-s3-bucket', 'repo1-s3-region', 'repo1-s3-endpoint', 'repo1-s3-uri-style', 'repo1-cipher-type', 'compress-type', 'compress-level']) {
      expect(g[k]).toBe(runner[k]);
    }
    expect(g).toMatchObject({
      'repo1-s3-key-type': 'auto', 'tls-server-address': '*', 'tls-server-port': '8432',
      'tls-server-cert-file': '/etc/pgbackrest/tls/server.crt', 'tls-server-key-file': '/etc/pgbackrest/tls/server.key',
      'tls-server-ca-file': '/etc/pgbackrest/tls/ca.crt', 'tls-server-auth': 'pgbackrest-runner=main',
    });
    expect(conf).not.toMatch(/cipher-pass|s3-key=|s3-key-secret|retention/);
    expect(renderArchiveCommand(settings)).toBe('pgbackrest --config-path=/etc/pgbackrest --stanza=main archive-push %p');
    expect(renderRestoreCommand(settings)).toBe('pgbackrest --config-path=/etc/pgbackrest --stanza=main archive-get %f "%p"');
    expect(dbHostSecretsFileHint(settings)).toMatch(/repo1-cipher-pass=<repository cipher passphrase/);
    expect(dbHostSecretsFileHint({ ...settings, databaseHost: { ...settings.databaseHost, instanceProfileCredentials: false } })).toMatch(/repo1-s3-key=</);
  });

  test('S3-compatible endpoint: path style, port and CA', () => {
    const g = kv(renderDbHostConfig({ ...settings, repository: { ...settings.repository, endpoint: '127.0.0.1', port: 9000, pathStyle: true, caFile: '/ca.pem' } }), 'global');
    expect(g).toMatchObject({ 'repo1-s3-endpoint': '127.0.0.1', 'repo1-storage-port': '9000', 'repo1-s3-uri-style': 'path', 'repo1-storage-ca-file': '/ca.pem' });
  });

  test('IAM prefixes follow the repository path and stanza', () => {
    expect(repositoryPrefixes(settings)).toEqual({ root: 'pgbackrest', archive: 'pgbackrest/archive/main', backup: 'pgbackrest/backup/main' });
    expect(repositoryPrefixes({ ...settings, repository: { ...settings.repository, path: '/x/y/' } }).archive).toBe('x/y/archive/main');
  });

  test('every problem at once, each naming the field and the value', () => {
    const problems = pgBackRestSettingsProblems({
      stanza: 'bad stanza',
      repository: { bucket: '', region: 'eu-west-1', path: 'relative', endpoint: 'https://s3.example.com:9000', port: 70000 },
      databaseHost: { address: 'db\nrepo1-cipher-pass=x', pgPath: 'data', runnerClientCommonName: 'a=b' },
      processMax: 0,
    } as PgBackRestSettings);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^stanza .*"bad stanza"/),
      'repository.bucket is required',
      expect.stringMatching(/repository.path must be an absolute path, got "relative"/),
      expect.stringMatching(/repository.endpoint must be a host name .*"https:\/\/s3.example.com:9000"/),
      expect.stringMatching(/repository.port must be an integer from 1 to 65535, got 70000/),
      expect.stringMatching(/databaseHost.address must not contain newlines/),
      expect.stringMatching(/databaseHost.pgPath must be an absolute path, got "data"/),
      expect.stringMatching(/runnerClientCommonName .*"a=b"/),
      expect.stringMatching(/processMax must be an integer from 1 to 64, got 0/),
    ]));
    expect(problems).toHaveLength(9);
    expect(pgBackRestSettingsProblems(settings)).toEqual([]);
  });

  test('posix repository (mounted volume): both sides render the same repo1-path, no S3 lines, no S3 secrets', () => {
    const posix: PgBackRestSettings = { ...settings, repositoryType: 'posix', posixRepository: { path: '/mnt/efs/pgbackrest' } };
    expect(pgBackRestSettingsProblems(posix)).toEqual([]);
    const runnerConf = renderRepoHostConfig(posix, { lockPath: '/s/lock', logPath: '/s/log', spoolPath: '/s/spool' });
    const dbConf = renderDbHostConfig(posix);
    const expected = {
      'repo1-type': 'posix', 'repo1-path': '/mnt/efs/pgbackrest', 'repo1-cipher-type': 'aes-256-cbc',
      'compress-type': 'zst', 'compress-level': '3',
    };
    expect(kv(runnerConf, 'global')).toMatchObject(expected);
    expect(kv(dbConf, 'global')).toMatchObject(expected);
    expect(kv(renderLocalConfig(posix, { lockPath: '/l', logPath: '/g', spoolPath: '/p' }, '/restore/here'), 'global')).toMatchObject(expected);
    for (const conf of [runnerConf, dbConf]) expect(conf).not.toMatch(/s3|cipher-pass/);
    expect(kv(runnerConf, 'main')['pg1-host-type']).toBe('tls');
    expect(dbHostSecretsFileHint({ ...posix, databaseHost: { ...settings.databaseHost, instanceProfileCredentials: false } })).not.toMatch(/s3-key/);
  });

  test('compression type and level: product default zst 3, speed setting zst 1, other types take their own range', () => {
    const g = (extra: Partial<PgBackRestSettings>) => kv(renderDbHostConfig({ ...settings, ...extra }), 'global');
    expect(g({})).toMatchObject({ 'compress-type': 'zst', 'compress-level': '3' });
    expect(g({ compressLevel: 1 })).toMatchObject({ 'compress-type': 'zst', 'compress-level': '1' });
    expect(g({ compressType: 'lz4' })['compress-level']).toBeUndefined();
    expect(g({ compressType: 'gz', compressLevel: 6 })).toMatchObject({ 'compress-type': 'gz', 'compress-level': '6' });
    expect(pgBackRestSettingsProblems({ ...settings, compressType: 'gz', compressLevel: 12 })).toEqual(['compressLevel must be an integer from 0 to 9, got 12']);
    expect(pgBackRestSettingsProblems({ ...settings, compressType: 'xz' })).toEqual([expect.stringMatching(/^compressType must be one of zst, lz4, gz, bz2, none, got "xz"/)]);
  });

  test('posix repository problems: missing or relative path, unknown type; S3 fields are not required', () => {
    const noS3 = { ...settings, repository: { bucket: '', region: '' } };
    expect(pgBackRestSettingsProblems({ ...noS3, repositoryType: 'posix' })).toEqual(["posixRepository is required when repositoryType is 'posix'"]);
    expect(pgBackRestSettingsProblems({ ...noS3, repositoryType: 'posix', posixRepository: { path: 'efs/repo' } }))
      .toEqual(['posixRepository.path must be an absolute path, got "efs/repo"']);
    expect(pgBackRestSettingsProblems({ ...noS3, repositoryType: 'posix', posixRepository: { path: '/' } }))
      .toEqual(['posixRepository.path must not be the root directory, got "/"']);
    expect(pgBackRestSettingsProblems({ ...settings, repositoryType: 'nfs' })).toEqual([expect.stringMatching(/^repositoryType must be one of s3, posix, got "nfs"/)]);
    expect(pgBackRestSettingsProblems(noS3)).toEqual(expect.arrayContaining(['repository.bucket is required']));
  });

  test('CDK tokens are not validated as literal values', () => {
    expect(pgBackRestSettingsProblems({ ...settings, repository: { bucket: '${Token[TOKEN.1]}', region: '${Token[AWS.Region.2]}' } })).toEqual([]);
  });
});

describe('pgBackRest output parsing', () => {
  const info = JSON.stringify([{ name: 'main', status: { code: 0, message: 'ok' }, archive: [{ id: '15-1', min: '000000010000000000000001', max: '000000010000000000000006' }],
    backup: [
      { label: '20261123-055217F', type: 'full', prior: null, error: false, lsn: { start: '0/3000028', stop: '0/3000100' },
        archive: { start: '000000010000000000000003', stop: '000000010000000000000003' }, timestamp: { start: 1795413137, stop: 1795413143 },
        info: { size: 23393865, delta: 23393865, repository: { size: 2865136, delta: 2865136 } } },
      { label: '20261123-055217F_20261123-055224I', type: 'incr', prior: '20261123-055217F', error: false, lsn: { start: '0/5000028', stop: '0/6000050' },
        archive: { start: '000000010000000000000005', stop: '000000010000000000000006' }, timestamp: { start: 1795413144, stop: 1795413147 },
        info: { size: 23393865, delta: 385290, repository: { size: 2865200, delta: 30528 } } },
    ] }]);

  test('info JSON → backups with LSN, WAL range and sizes; the new one is found by label', () => {
    const parsed = parseInfoJson(info, 'main');
    expect(parsed.archiveMax).toBe('000000010000000000000006');
    expect(parsed.backups[1]).toMatchObject({ label: '20261123-055217F_20261123-055224I', type: 'incr', prior: '20261123-055217F',
      lsnStart: '0/5000028', lsnStop: '0/6000050', walStart: '000000010000000000000005', walStop: '000000010000000000000006',
      databaseBytes: 23393865, deltaBytes: 385290, repositoryBytes: 2865200, repositoryDeltaBytes: 30528 });
    expect(newBackup(parsed.backups.slice(0, 1), parsed.backups)?.label).toBe('20261123-055217F_20261123-055224I');
    expect(newBackup(parsed.backups, parsed.backups)).toBeUndefined();
    expect(() => parseInfoJson(info, 'other')).toThrow(/no stanza 'other'/);
  });

  const verifyOk = [
    'stanza: main', 'status: ok',
    '  archiveId: 15-1, total WAL checked: 6, total valid WAL: 6',
    '    missing: 0, checksum invalid: 0, size invalid: 0, other: 0',
    '  backup: 20261123-055217F, status: valid, total files checked: 968, total valid files: 968',
    '    missing: 0, checksum invalid: 0, size invalid: 0, other: 0',
  ].join('\n');

  test('verify text → counts; a good report has no problems', () => {
    const r = parseVerifyText(verifyOk);
    expect(r).toEqual({ status: 'ok', walChecked: 6, walValid: 6, backups: [{ label: '20261123-055217F', status: 'valid', filesChecked: 968, filesValid: 968 }] });
    expect(verifyProblems(r, '20261123-055217F')).toEqual([]);
  });

  test('a verify that found nothing is a failure, not a pass', () => {
    // What pgBackRest prints (exit 0) when the repository listing comes back empty.
    const r = parseVerifyText('stanza: main\nstatus: ok\n');
    expect(verifyProblems(r)).toEqual(expect.arrayContaining([expect.stringMatching(/checked no backup at all/), expect.stringMatching(/no archived WAL/)]));
    expect(verifyProblems(parseVerifyText(verifyOk), '20261124-000000F')).toEqual([expect.stringMatching(/20261124-000000F was not among/)]);
    const bad = parseVerifyText(verifyOk.replace('status: valid, total files checked: 968, total valid files: 968', 'status: invalid, total files checked: 968, total valid files: 967').replace('status: ok', 'status: error'));
    expect(verifyProblems(bad)).toEqual(expect.arrayContaining([expect.stringMatching(/status 'error'/), expect.stringMatching(/is invalid \(967\/968/)]));
  });

  test('a wrong cipher key is explained, binary garbage dropped', () => {
    const stderr = "WARN: repo1: [FormatError] unable to load info file '/pgbackrest/backup/main/backup.info' or '/pgbackrest/backup/main/backup.info.copy':\n      FormatError: key/value found outside of section at line 1: \u0001\u00ff\u00fe�Y\n ERROR: [075]: no backup set found to restore";
    const why = explainFailure(stderr);
    expect(why?.kind).toBe('config');
    expect(why?.message).toMatch(/cipher passphrase \(RUNNER_PGBACKREST_CIPHER_PASS\) is wrong/);
    expect(explainFailure('ERROR: [055]: unable to open missing file')).toBeUndefined();
  });

  test('an unreachable database host server is a database error that names the TLS server', () => {
    // pgBackRest 2.45's output after retrying for its io-timeout.
    const why = explainFailure("WARN: unable to check pg1: [HostConnectError] unable to connect to '127.0.0.1:18432': [111] Connection refused\nERROR: [027]: no database found");
    expect(why).toEqual({ kind: 'database', message: expect.stringMatching(/cannot reach `pgbackrest server` on the database host/) });
  });

  test('a full or failing repository is a storage error (exit 4); a database host file error stays a database error', () => {
    // pgBackRest 2.45's output when the posix repository volume is full (seen in posix.integration.test.ts).
    const full = "ERROR: [064]: raised from local-1 protocol: unable to write '/mnt/efs/pgbackrest/backup/main/20261203-092516F/pg_data/base/4/1249.zst': [28] No space left on device\n       [FileWriteError] on retry after 0ms";
    expect(explainFailure(full, { repoPath: '/mnt/efs/pgbackrest' })).toEqual({ kind: 'storage',
      message: 'the repository is out of space (no space left on device writing /mnt/efs/pgbackrest/backup/main/20261203-092516F/pg_data/base/4/1249.zst): grow the volume or lower the retention' });
    // A restore target's disk full is storage too (exit 4), named by its path.
    expect(explainFailure("ERROR: [064]: unable to write '/restore/pgdata/base/1/1259': [28] No space left on device", { repoPath: '/mnt/efs/pgbackrest' }))
      .toEqual({ kind: 'storage', message: 'out of space (no space left on device) writing /restore/pgdata/base/1/1259' });
    expect(explainFailure("ERROR: [047]: unable to create path '/mnt/efs/pgbackrest/archive/main/15-1': [30] Read-only file system", { repoPath: '/mnt/efs/pgbackrest/' }))
      .toEqual({ kind: 'storage', message: 'the posix repository /mnt/efs/pgbackrest/ cannot be written or read (/mnt/efs/pgbackrest/archive/main/15-1)' });
    // After its retries pgBackRest can report a bare FileWriteError: a nearly full volume is still named as the cause.
    const bare = "ERROR: [064]: raised from local-2 protocol: unable to write '/mnt/efs/pgbackrest/backup/main/20261203-112823F/pg_data/base/1/2838.zst'\n       [FileWriteError] on retry after 0ms\n       [FileWriteError] on retry after 15000ms";
    expect(explainFailure(bare, { repoPath: '/mnt/efs/pgbackrest', freeBytes: () => 4096 })).toEqual({ kind: 'storage',
      message: 'the repository is out of space (4096 bytes left on the volume after a write failed for /mnt/efs/pgbackrest/backup/main/20261203-112823F/pg_data/base/1/2838.zst): grow the volume or lower the retention' });
    // With room left the cause is unknown: the volume is named, not guessed to be full.
    expect(explainFailure(bare, { repoPath: '/mnt/efs/pgbackrest', freeBytes: () => 50e9 })).toEqual({ kind: 'storage',
      message: 'the posix repository /mnt/efs/pgbackrest cannot be written or read (/mnt/efs/pgbackrest/backup/main/20261203-112823F/pg_data/base/1/2838.zst)' });
    expect(explainFailure("ERROR: [041]: raised from remote-0 tls protocol on '127.0.0.1': unable to open file '/var/lib/postgresql/15/main/base/1/1259' for read: [13] Permission denied",
      { repoPath: '/mnt/efs/pgbackrest' })).toBeUndefined();
  });

  test('point-in-time helpers: target times in every accepted form, the archived segment\'s time, times in messages', () => {
    expect(targetTimeMs('2026-11-23 05:52:17.123+00')).toBe(Date.parse('2026-11-23T05:52:17.123Z'));
    expect(targetTimeMs('2026-11-23T05:52:17+0130')).toBe(Date.parse('2026-11-23T04:22:17Z'));
    expect(targetTimeMs('2026-11-23 05:52:17.123456-05')).toBe(Date.parse('2026-11-23T10:52:17.123Z'));
    expect(targetTimeMs('2026-11-23 05:52:17 UTC')).toBe(Date.parse('2026-11-23T05:52:17Z'));
    expect(targetTimeMs('2026-11-23 05:52:17Z')).toBe(Date.parse('2026-11-23T05:52:17Z'));
    expect(targetTimeMs('yesterday')).toBeNaN();
    const ls = JSON.stringify({ '.': { type: 'path' }, '000000010000000000000004-9f1c.zst': { type: 'file', size: 10, time: 1796280000 },
      '000000010000000000000005-a2b3.zst': { type: 'file', size: 10, time: 1796280060 } });
    expect(archivedSegmentTime(ls, '000000010000000000000005')).toBe(1796280060);
    expect(archivedSegmentTime(ls, '000000010000000000000006')).toBeUndefined();
    expect(pgUtc(Date.parse('2026-11-23T05:52:17.999Z'))).toBe('2026-11-23 05:52:17+00');
  });
});
