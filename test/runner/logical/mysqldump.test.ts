import { GetObjectCommand } from '@aws-sdk/client-s3';
import { MariaDbServer, S3Server, startMariaDb } from '../../support/servers';
import { startS3WithMultipart } from '../support/s3-multipart';
import { listKeys, outcome, runRunner, s3Client, s3Env } from '../support/run-runner';

// mysqldump --single-transaction with binlog coordinates → zstd → S3, verify, import into another
// database, on a real MariaDB 10.11.
describe('mysqldump engine on MariaDB 10.11 and S3', () => {
  let db: MariaDbServer;
  let s3: S3Server;
  const bucket = 'logical-maria';

  beforeAll(async () => {
    [db, s3] = await Promise.all([startMariaDb(), startS3WithMultipart()]);
    await s3.createBucket(bucket);
    db.sql(`SET NAMES utf8mb4; CREATE DATABASE shop CHARACTER SET utf8mb4; USE shop;
      CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(80) NOT NULL, note TEXT, total DECIMAL(10,2)) ENGINE=InnoDB;
      CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT) ENGINE=InnoDB;
      CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit(order_id) VALUES (NEW.id);
      CREATE PROCEDURE order_count(OUT n INT) SELECT COUNT(*) INTO n FROM orders;
      CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM audit WHERE id < 0;
      INSERT INTO orders SELECT seq, CONCAT('customer-', seq), REPEAT('n', 50), seq * 1.25 FROM seq_1_to_30000;
      INSERT INTO orders VALUES (30001, 'quote''s "and" \\\\ backslash', 'ünïcödé ✓', 1.00);`);
  });
  afterAll(async () => {
    await Promise.all([db?.stop(), s3?.stop()]);
  });

  const env = () => ({ ...s3Env(s3, bucket), RUNNER_DB_PASSWORD: db.password, RUNNER_TARGET_PASSWORD: db.password });
  const common = () => ['--engine', 'mysqldump', '--database', 'shop', '--db-host', db.host, '--db-port', String(db.port), '--db-user', 'root', '--db-name', 'shop'];

  it('backs up with the binlog position, verifies, and imports identical data; the password appears nowhere', async () => {
    const [binlogFile, binlogPos] = db.sql('SHOW MASTER STATUS').split('\t');
    const backup = await runRunner(['backup', ...common(), '--s3-part-size-mb', '5'], env());
    expect(backup.code).toBe(0);
    const ok = outcome(backup);
    expect(ok).toMatchObject({ JobSuccess: 1, Engine: 'mysqldump', Job: 'backup' });

    const client = s3Client(s3);
    const keys = await listKeys(client, bucket, 'runner/shop/mysqldump/');
    const manifestText = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: keys.find((k) => k.endsWith('manifest.json'))! }))).Body!.transformToString();
    const manifest = JSON.parse(manifestText);
    // Nothing wrote between SHOW MASTER STATUS and the dump, so the snapshot sits exactly there.
    expect(manifest.position).toMatchObject({ binlogFile: expect.stringContaining(binlogFile.split('/').pop()!), binlogPosition: binlogPos });
    expect(manifest.toolVersions.mysqldump).toMatch(/MariaDB/);
    expect(manifest.details.positionFlag).toBe('--master-data=2');
    expect(manifest.objects[0].rawBytes).toBeGreaterThan(manifest.objects[0].bytes);

    const verify = await runRunner(['verify', ...common()], env());
    expect(verify.code).toBe(0);
    expect(JSON.stringify(verify.logs.find((l) => l.msg === 'verify passed'))).toMatch(/Dump completed/);

    const restore = await runRunner(['restore', ...common(), '--target-host', db.host, '--target-port', String(db.port), '--target-user', 'root', '--target-db', 'shop_copy'], env());
    expect(restore.code).toBe(0);
    expect(db.sql('CHECKSUM TABLE shop_copy.orders, shop_copy.audit').replace(/shop_copy/g, 'x')).toBe(db.sql('CHECKSUM TABLE shop.orders, shop.audit').replace(/shop/g, 'x'));
    expect(db.sql("SELECT HEX(customer), HEX(note) FROM shop_copy.orders WHERE id = 30001")).toBe(db.sql("SELECT HEX(customer), HEX(note) FROM shop.orders WHERE id = 30001"));
    expect(db.sql("SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'shop_copy'")).toBe('order_count');
    expect(db.sql("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop_copy'")).toBe('orders_audit');
    expect(db.sql("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop_copy'")).toBe('nightly');

    for (const text of [backup.stdout, backup.stderr, verify.stdout, restore.stdout, restore.stderr, manifestText]) {
      expect(text).not.toContain(db.password);
    }
    const argv = backup.logs.find((l) => l.msg === 'starting process' && l.process === 'mysqldump')!.argv as string[];
    expect(argv.slice(1, 2)[0]).toMatch(/^--defaults-extra-file=.*source\.cnf$/);
    expect(argv.slice(2)).toEqual(['--single-transaction', '--quick', '--routines', '--triggers', '--events', '--hex-blob', '--master-data=2', 'shop']);
  });

  it('fails with exit 3, a failure metric and no manifest when the password is wrong', async () => {
    const r = await runRunner(['backup', ...common()], { ...env(), RUNNER_DB_PASSWORD: 'wrong-password' });
    expect(r.code).toBe(3);
    expect(r.logs.find((l) => l.level === 'error')!.msg).toMatch(/mysqldump exited with code \d+: .*Access denied/s);
    expect(outcome(r)).toMatchObject({ JobFailure: 1, JobSuccess: 0, errorKind: 'database' });
    const manifests = (await listKeys(s3Client(s3), bucket, 'runner/shop/mysqldump/')).filter((k) => k.endsWith('manifest.json'));
    expect(manifests).toHaveLength(1);
    expect(r.stdout).not.toContain('wrong-password');
    const check = await runRunner(['check', ...common()], env());
    expect(check.code).toBe(0);
    expect(check.logs.find((l) => l.msg === 'database reachable')!.serverVersion).toMatch(/MariaDB/);
    const badCheck = await runRunner(['check', ...common()], { ...env(), RUNNER_DB_PASSWORD: 'wrong-password' });
    expect(badCheck.code).toBe(3);
    expect(badCheck.logs.filter((l) => l.level === 'error').pop()!.msg).toMatch(/mysql \(check\) exited with code 1: .*Access denied/s);
  });
});
