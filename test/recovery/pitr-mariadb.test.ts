/**
 * Point-in-time recovery of MariaDB 10.11 (mariabackup + binlogs) under a transfer workload, driven
 * by the point-in-time procedure's own runner command (runtime/recovery): concurrent transactions
 * move money between accounts (the total never changes), the runner takes a full backup while
 * they run, a target second is taken during the load, the procedure's `restore` step restores to
 * it, and the started copy must have the same total, every transfer stamped well before the target
 * and none stamped after the target second.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { DatabaseRecoveryDescription, recoveryProcedure } from '../../runtime/recovery';
import { MariaDbServer, requireTool, startMariaDb } from '../support/servers';
import { outcome, runRunner } from '../runner/support/run-runner';
import { expectSucceeded, runStep, step } from './procedure-runner';

const ACCOUNTS = 200;
const OPENING = 1000;

let src: MariaDbServer;
let work: string;
let restored: MariaDbServer | undefined;

beforeAll(async () => {
  requireTool('mariabackup');
  work = mkdtempSync(join(tmpdir(), 'recovery-pitr-maria-'));
  // The restored server runs as mysql and must reach its data directory under here.
  chmodSync(work, 0o755);
  mkdirSync(join(work, 'repo'));
  src = await startMariaDb();
  src.sql(`CREATE DATABASE bank; USE bank;
    CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL) ENGINE=InnoDB;
    CREATE TABLE transfers (id BIGINT AUTO_INCREMENT PRIMARY KEY, src INT NOT NULL, dst INT NOT NULL, amount INT NOT NULL, at DATETIME(6) NOT NULL) ENGINE=InnoDB;
    INSERT INTO accounts SELECT seq, ${OPENING} FROM seq_1_to_${ACCOUNTS};`);
}, 60_000);

afterAll(async () => {
  await restored?.stop().catch(() => undefined);
  await src?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Clients that each move a random amount between two random accounts in one transaction, until stopped. */
async function transferLoad(clients: number): Promise<{ stop: () => Promise<{ committed: number; retried: number }> }> {
  let running = true;
  let committed = 0;
  let retried = 0;
  const conns = await Promise.all([...Array(clients)].map(() => createConnection({ host: src.host, port: src.port, user: 'root', password: src.password, database: 'bank' })));
  const loops = conns.map(async (c) => {
    while (running) {
      const a = 1 + Math.floor(Math.random() * ACCOUNTS);
      const b = 1 + ((a + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS);
      const amount = 1 + Math.floor(Math.random() * 50);
      try {
        await c.query('START TRANSACTION');
        await c.query('UPDATE accounts SET balance = balance - ? WHERE id = ?', [amount, a]);
        await c.query('UPDATE accounts SET balance = balance + ? WHERE id = ?', [amount, b]);
        await c.query('INSERT INTO transfers (src, dst, amount, at) VALUES (?, ?, ?, NOW(6))', [a, b, amount]);
        await c.query('COMMIT');
        committed++;
      } catch {
        // A deadlock between two transfers: InnoDB rolled one back; it is simply not counted.
        await c.query('ROLLBACK').catch(() => undefined);
        retried++;
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      await Promise.all(conns.map((c) => c.end()));
      return { committed, retried };
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `YYYY-MM-DD HH:MM:SS` of a UTC time (the runner runs with TZ=UTC here). */
const utcSecond = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

test('MariaDB point-in-time restore to a second during a transfer load: total unchanged, nothing after the target second', async () => {
  const binlogDir = join(src.baseDir, 'binlog');
  const description: DatabaseRecoveryDescription = {
    name: 'bank', databaseType: 'mariadb', deployment: 'self-managed', primaryRegion: 'eu-central-1', physicalEngine: 'mariabackup',
    binlogDir, storage: { posixRepo: join(work, 'repo') }, runnerFlags: { 'spool-dir': join(work, 'spool') },
  };
  const procedure = recoveryProcedure(description, 'point-in-time');
  const env = { TZ: 'UTC', RUNNER_DB_PASSWORD: src.password };

  const loadStarted = Date.now();
  const load = await transferLoad(4);
  await sleep(1000);
  // The full backup, under the load, on the database host (mariabackup reads the data files).
  const backup = await runRunner(['backup', '--engine', 'mariabackup', '--database', 'bank', '--posix-repo', join(work, 'repo'), '--spool-dir', join(work, 'spool'),
    '--type', 'full', '--db-user', 'root', '--db-socket', src.socket, '--mysql-defaults-file', src.defaultsFile], env);
  if (backup.code !== 0) throw new Error(`backup failed:\n${backup.stdout}\n${backup.stderr}`);
  expect(outcome(backup)).toMatchObject({ JobSuccess: 1 });
  await sleep(1500);
  const targetMs = Date.now();
  const target = utcSecond(targetMs);
  await sleep(2500);
  const { committed, retried } = await load.stop();
  const loadSeconds = (Date.now() - loadStarted) / 1000;
  src.sql('FLUSH BINARY LOGS');
  const totalRows = Number(src.sql('SELECT COUNT(*) FROM transfers', 'bank'));
  expect(totalRows).toBe(committed);
  // Every transfer stamped before the target second, as the source has them (id list).
  const targetSecondStart = Math.floor(targetMs / 1000) * 1000;
  const fingerprint = `SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(BIT_XOR(CRC32(CONCAT_WS(':', id, src, dst, amount, at))), 0) FROM transfers WHERE at < '${utcSecond(targetSecondStart - 1000)}'`;
  const wellBefore = src.sql(fingerprint, 'bank');

  const dir = join(work, 'restored');
  const runs = await runStep(procedure, step(procedure, 'restore'), { TargetTime: target, TargetName: dir }, { runnerEnv: env });
  expect(runs.map((r) => r.line)).toEqual([expect.stringContaining(`restore --engine mariabackup --database bank --posix-repo ${join(work, 'repo')} --restore-datadir ${dir} --target-time ${target} --binlog-dir ${binlogDir}`)]);
  expectSucceeded(runs);
  restored = await startMariaDb({ dataDir: dir });
  // The mysql schema was restored too: the source's root password.
  const sql = (q: string) => {
    const r = spawnSync('mariadb', [`--socket=${restored!.socket}`, '-uroot', `-p${src.password}`, '--batch', '--skip-column-names', 'bank', '-e', q], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`restored server query failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  // Consistent: the money is all there, whatever was in flight at the target.
  expect(sql('SELECT SUM(balance), COUNT(*) FROM accounts')).toBe(`${ACCOUNTS * OPENING}\t${ACCOUNTS}`);
  // Each restored transfer's two updates are there: the balances equal the opening plus the restored transfers.
  expect(sql(`SELECT COUNT(*) FROM accounts a WHERE a.balance <> ${OPENING}
    - COALESCE((SELECT SUM(amount) FROM transfers WHERE src = a.id), 0) + COALESCE((SELECT SUM(amount) FROM transfers WHERE dst = a.id), 0)`)).toBe('0');
  // Up to the target second and no further: nothing stamped after it, everything from well before it.
  const [count, newest] = sql(`SELECT COUNT(*), DATE_FORMAT(MAX(at), '%Y-%m-%d %H:%i:%s') FROM transfers`).split('\t');
  expect(newest <= target).toBe(true);
  expect(newest >= utcSecond(targetSecondStart - 1000)).toBe(true);
  expect(Number(count)).toBeLessThan(totalRows);
  expect(sql(fingerprint)).toBe(wellBefore);
  expect(Number(wellBefore.split('\t')[0])).toBeGreaterThan(0);
  process.stdout.write(`transfers: ${(committed / loadSeconds).toFixed(0)} committed/s (${retried} deadlocks rolled back) over ${loadSeconds.toFixed(1)} s; restored ${count} of ${totalRows}, newest ${newest} for target ${target}\n`);
}, 120_000);
