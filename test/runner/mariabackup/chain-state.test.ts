import {
  ChainLink, basedirCheckpoints, parseBinlogPosition, parseChainLink, parseCheckpoints, parseToolInfo, resolveChain,
} from '../../../runner/src/engines/mariabackup/chain';
import { binlogFilesFrom } from '../../../runner/src/engines/mariabackup/pitr';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// As mariabackup 10.11 wrote them in --extra-lsndir on this machine.
const CHECKPOINTS = 'backup_type = incremental\nfrom_lsn = 44404\nto_lsn = 18446744073709551000\nlast_lsn = 154438\nrecover_binlog_info = 0\n';
const INFO = [
  'uuid = f137b160-e701-11f1-bc31-02fc00000001',
  'tool_name = mariabackup',
  'tool_version = 10.11.19-MariaDB',
  'server_version = 10.11.19-MariaDB-0+deb12u1-log',
  "binlog_pos = filename 'mysql-bin.000001', position '10452', GTID of the last change '0-1-7'",
].join('\n');

function link(id: string, from: string, to: string, parentId?: string): ChainLink {
  return {
    version: 1, engine: 'mariabackup', backupId: id, type: parentId ? 'incremental' : 'full', ...(parentId ? { parentId } : {}),
    fromLsn: from, toLsn: to, checkpoints: `backup_type = x\nfrom_lsn = ${from}\nto_lsn = ${to}`, streamKey: `p/${id}/backup.xbstream`,
    stoppedAt: '2026-11-23T06:00:00.000Z',
  };
}

test('xtrabackup_checkpoints parses, keeping LSNs above 2^53 exact', () => {
  expect(parseCheckpoints(CHECKPOINTS)).toEqual({ backupType: 'incremental', fromLsn: '44404', toLsn: '18446744073709551000', lastLsn: '154438' });
  expect(() => parseCheckpoints('backup_type = full\nfrom_lsn = 0\n')).toThrow(/incomplete or malformed/);
  expect(() => parseCheckpoints('backup_type = full\nfrom_lsn = 0\nto_lsn = abc\n')).toThrow(/malformed/);
});

test('binlog position and tool versions come from xtrabackup_info', () => {
  expect(parseBinlogPosition(INFO)).toEqual({ file: 'mysql-bin.000001', position: 10452, gtid: '0-1-7' });
  expect(parseBinlogPosition("binlog_pos = filename 'b.000009', position '4'")).toEqual({ file: 'b.000009', position: 4, gtid: undefined });
  expect(parseBinlogPosition('tool_name = mariabackup')).toBeUndefined();
  expect(parseToolInfo(INFO)).toEqual({ toolVersion: '10.11.19-MariaDB', serverVersion: '10.11.19-MariaDB-0+deb12u1-log' });
});

test('a chain resolves full first and checks LSN contiguity, cycles and the links\' own ids', async () => {
  const store = new Map([
    ['F', link('F', '0', '100')],
    ['I1', link('I1', '100', '250', 'F')],
    ['I2', link('I2', '250', '300', 'I1')],
  ]);
  const load = async (id: string) => {
    const l = store.get(id);
    if (!l) throw new Error(`no ${id}`);
    return l;
  };
  expect((await resolveChain('I2', load)).map((l) => l.backupId)).toEqual(['F', 'I1', 'I2']);
  expect((await resolveChain('F', load)).map((l) => l.backupId)).toEqual(['F']);

  store.set('GAP', link('GAP', '260', '400', 'I2'));
  await expect(resolveChain('GAP', load)).rejects.toThrow('GAP starts at LSN 260 but its parent I2 ends at 300');
  store.set('A', link('A', '1', '2', 'B'));
  store.set('B', link('B', '2', '1', 'A'));
  await expect(resolveChain('A', load)).rejects.toThrow(/cycle/);
  store.set('X', { ...link('Y', '300', '310', 'I2') });
  await expect(resolveChain('X', load)).rejects.toThrow('state of backup X names backup Y');
  await expect(resolveChain('I9', load)).rejects.toThrow('no I9');
});

test('stored chain state is validated when read back, and rebuilds the base dir checkpoints', () => {
  const l = link('I1', '100', '250', 'F');
  expect(parseChainLink(JSON.stringify(l), 'here')).toEqual(l);
  expect(() => parseChainLink('{', 'lsn-state.json')).toThrow(/lsn-state.json: not JSON/);
  expect(() => parseChainLink(JSON.stringify({ ...l, parentId: undefined, version: 2 }), 'm')).toThrow('m: version must be 1, got 2; an incremental needs parentId');
  expect(basedirCheckpoints(l)).toBe('backup_type = x\nfrom_lsn = 100\nto_lsn = 250\n');
});

test('binlog files to replay start at the backup\'s file, in numeric order, same base name only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'binlogs-'));
  try {
    for (const f of ['mysql-bin.000002', 'mysql-bin.000010', 'mysql-bin.000001', 'mysql-bin.000003', 'mysql-bin.index', 'other.000005']) writeFileSync(join(dir, f), '');
    expect(binlogFilesFrom(dir, 'mysql-bin.000002').map((f) => f.slice(dir.length + 1))).toEqual(['mysql-bin.000002', 'mysql-bin.000003', 'mysql-bin.000010']);
    expect(() => binlogFilesFrom(dir, 'mysql-bin.000004')).toThrow(/does not hold mysql-bin.000004/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
