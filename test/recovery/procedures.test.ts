import '../../runner/src/engines';
import { COMMON_OPTIONS } from '../../runner/src/core/common-options';
import { Command, collectOptions, splitArgs } from '../../runner/src/core/options';
import { getEngine } from '../../runner/src/core/registry';
import { ConfigurationError } from '../../runtime/errors';
import {
  DatabaseRecoveryDescription, parameterValues, placeholders, PROCEDURE_KINDS, recoveryProcedure, recoveryProcedures, RecoveryProcedure,
  renderLine, substitute, substituteArgv, validateRecoveryDescription,
} from '../../runtime/recovery';

const RUNNER = { cluster: 'dr-runners', taskDefinitions: { 'pg-dump': 'orders-pg-dump', 'mysqldump': 'shop-mysqldump' }, subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'] };

export const SELF_MANAGED_PG: DatabaseRecoveryDescription = {
  name: 'orders', databaseType: 'postgres', deployment: 'self-managed', primaryRegion: 'eu-central-1', drRegion: 'eu-west-1',
  physicalEngine: 'pgbackrest', logicalEngine: 'pg-dump', pgbackrestStanza: 'orders',
  storage: { bucket: 'backups-primary', prefix: 'runner', replicaBucket: 'backups-replica' },
  runner: { ...RUNNER, cluster: 'runners' }, drRunner: RUNNER,
  host: { address: '10.0.1.5', port: 5432, user: 'backup', databaseName: 'orders', dataDirectory: '/var/lib/postgresql/15/main' },
  estimates: { pointInTimeMinutes: 25, drRegionMinutes: 40, tableRestoreMinutes: 12 },
};
const SELF_MANAGED_MARIADB: DatabaseRecoveryDescription = {
  name: 'shop', databaseType: 'mariadb', deployment: 'self-managed', primaryRegion: 'eu-central-1', drRegion: 'eu-west-1',
  physicalEngine: 'mariabackup', logicalEngine: 'mysqldump', binlogDir: '/var/lib/mysql-binlogs',
  storage: { bucket: 'backups-primary', replicaBucket: 'backups-replica' }, runner: RUNNER, drRunner: RUNNER,
  host: { address: '10.0.1.6', port: 3306, user: 'backup', databaseName: 'shop' },
};
const RDS: DatabaseRecoveryDescription = {
  name: 'billing', databaseType: 'postgres', deployment: 'rds', primaryRegion: 'eu-central-1', drRegion: 'eu-west-1', logicalEngine: 'pg-dump',
  storage: { bucket: 'backups-primary', replicaBucket: 'backups-replica' }, runner: RUNNER,
  managed: { identifier: 'billing-db', arn: 'arn:aws:rds:eu-central-1:111122223333:db:billing-db', vaultName: 'primary-vault', drVaultName: 'dr-vault',
    restoreRoleArn: 'arn:aws:iam::111122223333:role/restore', subnetGroupName: 'db-subnets' },
  host: { address: 'billing-db.abc.eu-central-1.rds.amazonaws.com', port: 5432, user: 'backup', databaseName: 'billing' },
};
const AURORA: DatabaseRecoveryDescription = {
  ...RDS, name: 'ledger', deployment: 'aurora', databaseType: 'mysql', logicalEngine: 'mysqldump',
  managed: { ...RDS.managed!, identifier: 'ledger-cluster', arn: 'arn:aws:rds:eu-central-1:111122223333:cluster:ledger-cluster' },
};
const ALL = { SELF_MANAGED_PG, SELF_MANAGED_MARIADB, RDS, AURORA };

/** Every string inside a value (awsApi inputs are nested objects). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

function texts(p: RecoveryProcedure): string[] {
  return [p.summary, ...[...p.steps, ...p.byHand].flatMap((s) => [s.title, s.description, ...s.commands.flatMap((c) => [c.line, ...(c.argv ?? [])]), ...strings(s.awsApi?.input)])];
}

describe.each(Object.entries(ALL))('%s', (_label, d) => {
  const procedures = recoveryProcedures(d);

  test('lists the three procedures in order', () => {
    expect(procedures.map((p) => p.kind)).toEqual(PROCEDURE_KINDS);
  });

  test('every placeholder is a declared parameter and every parameter is used', () => {
    for (const p of procedures.filter((x) => x.available)) {
      const used = new Set(texts(p).flatMap(placeholders));
      const declared = p.parameters.map((x) => x.name);
      expect({ kind: p.kind, undeclared: [...used].filter((n) => !declared.includes(n)) }).toEqual({ kind: p.kind, undeclared: [] });
      expect({ kind: p.kind, unused: declared.filter((n) => !used.has(n)) }).toEqual({ kind: p.kind, unused: [] });
    }
  });

  test('an approval comes before any step that touches production, and every available procedure has a by-hand variant', () => {
    for (const p of procedures.filter((x) => x.available)) {
      const first = p.steps.findIndex((s) => s.touchesProduction && s.kind !== 'approval');
      if (first >= 0) expect(p.steps.slice(0, first).some((s) => s.kind === 'approval')).toBe(true);
      expect(p.byHand.length).toBeGreaterThan(0);
      expect(new Set(p.steps.map((s) => s.id)).size).toBe(p.steps.length);
    }
  });

  test('runner and aws commands carry an argv whose line is its rendering; runner lines start with the runner', () => {
    for (const p of procedures) {
      for (const s of p.steps) {
        for (const c of s.commands) {
          if (s.kind === 'runner' || s.kind === 'aws') expect(c.argv).toBeDefined();
          if (c.argv) expect(c.line).toBe(renderLine(c.argv));
          if (s.kind === 'runner') expect(c.argv![0] === 'runner' || c.argv![0] === 'aws').toBe(true);
        }
      }
    }
  });

  test('every runner command line parses with the runner\'s own option specs (no unknown flag, no bad value)', () => {
    for (const p of procedures) {
      for (const c of [...p.steps, ...p.byHand].flatMap((s) => s.commands)) {
        if (c.argv?.[0] !== 'runner') continue;
        const engine = getEngine(c.argv[c.argv.indexOf('--engine') + 1])!;
        const specs = [...COMMON_OPTIONS, ...(engine.options ?? [])];
        const { flags, positional, problems } = splitArgs(c.argv.slice(2), new Set(specs.filter((o) => o.kind === 'bool').map((o) => o.name)));
        // Placeholders stand for values of the right shape.
        for (const [k, v] of flags) if (v.startsWith('{{')) flags.set(k, /port/.test(k) ? '5432' : 'x');
        const parsed = collectOptions(specs, c.argv[1] as Command, flags, {});
        expect({ line: c.line, positional, problems: [...problems, ...parsed.problems.filter((x) => !/is required/.test(x))] }).toEqual({ line: c.line, positional: [], problems: [] });
      }
    }
  });

  test('no secret value on any command line: secrets are named as environment variables only', () => {
    for (const p of procedures) {
      for (const line of texts(p)) expect(line).not.toMatch(/--(db-password|target-password|pgbackrest-cipher-pass)/);
    }
  });
});

describe('point-in-time', () => {
  test('self-managed PostgreSQL: runner restore to --target-time into --target-dir, run on the restore host', () => {
    const p = recoveryProcedure(SELF_MANAGED_PG, 'point-in-time');
    const restore = p.steps.find((s) => s.id === 'restore')!.commands[0];
    expect(restore.runsOn).toBe('restore-host');
    expect(restore.argv).toEqual(['runner', 'restore', '--engine', 'pgbackrest', '--database', 'orders', '--s3-bucket', 'backups-primary', '--s3-prefix', 'runner',
      '--s3-region', 'eu-central-1', '--target-dir', '{{TargetName}}', '--target-time', '{{TargetTime}}', '--backup-id', '{{BackupId}}', '--pgbackrest-archive-mode', 'off']);
    expect(p.estimateMinutes).toBe(25);
    expect(p.byHand.map((s) => s.commands.map((c) => c.line).join('\n')).join('\n')).toMatch(/pgbackrest .*--stanza=orders .*--type=time --target="\{\{TargetTime\}\}" --target-action=promote/);
  });

  test('MariaDB: restore with --binlog-dir from the description; by hand with mbstream, mariabackup --prepare and mysqlbinlog', () => {
    const p = recoveryProcedure(SELF_MANAGED_MARIADB, 'point-in-time');
    expect(p.steps.find((s) => s.id === 'restore')!.commands[0].argv).toEqual(expect.arrayContaining(['--binlog-dir', '/var/lib/mysql-binlogs', '--restore-datadir', '{{TargetName}}']));
    const byHand = p.byHand.flatMap((s) => s.commands.map((c) => c.line)).join('\n');
    for (const tool of ['sha256sum -c', 'zstd -dc', 'mbstream -x', 'mariabackup --prepare', 'mariabackup --copy-back', 'mysqlbinlog']) expect(byHand).toContain(tool);
  });

  test('RDS: RestoreDBInstanceToPointInTime to a new instance, then approval, then redirect', () => {
    const p = recoveryProcedure(RDS, 'point-in-time');
    const restore = p.steps.find((s) => s.id === 'restore')!;
    expect(restore.awsApi).toEqual({ service: 'rds', api: 'RestoreDBInstanceToPointInTime', region: 'eu-central-1',
      input: { SourceDBInstanceIdentifier: 'billing-db', TargetDBInstanceIdentifier: '{{TargetName}}', RestoreTime: '{{TargetTime}}', DBSubnetGroupName: 'db-subnets' } });
    expect(p.steps.map((s) => s.kind).slice(-2)).toEqual(['approval', 'manual']);
    expect(p.steps.at(-1)!.touchesProduction).toBe(true);
  });

  test('Aurora: cluster restore plus an instance', () => {
    const p = recoveryProcedure(AURORA, 'point-in-time');
    expect(p.steps.map((s) => s.awsApi?.api).filter(Boolean)).toEqual(['RestoreDBClusterToPointInTime', 'CreateDBInstance']);
  });

  test('a self-managed database without a log archive has no point-in-time procedure, and says why', () => {
    const p = recoveryProcedure({ ...SELF_MANAGED_PG, physicalEngine: undefined }, 'point-in-time');
    expect(p.available).toBe(false);
    expect(p.unavailableReason).toMatch(/no continuous log archive/);
    expect(p.steps).toEqual([]);
  });
});

describe('dr-region', () => {
  test('RDS: StartRestoreJob from the DR vault copy with the restore role, in the DR region', () => {
    const p = recoveryProcedure(RDS, 'dr-region');
    expect(p.region).toBe('eu-west-1');
    expect(p.steps[0].kind).toBe('approval');
    const restore = p.steps.find((s) => s.id === 'restore')!;
    expect(restore.awsApi).toMatchObject({ service: 'backup', api: 'StartRestoreJob', region: 'eu-west-1',
      input: { RecoveryPointArn: '{{RecoveryPointArn}}', IamRoleArn: 'arn:aws:iam::111122223333:role/restore', ResourceType: 'RDS', Metadata: { DBInstanceIdentifier: '{{TargetName}}' } } });
  });

  test('self-managed logical: runner restore from the replica bucket in the DR region, also as an ECS task there', () => {
    const p = recoveryProcedure({ ...SELF_MANAGED_PG, physicalEngine: undefined }, 'dr-region');
    const restore = p.steps.find((s) => s.id === 'restore')!;
    expect(restore.commands[0].argv).toEqual(expect.arrayContaining(['--s3-bucket', 'backups-replica', '--s3-region', 'eu-west-1']));
    expect(restore.awsApi).toMatchObject({ service: 'ecs', api: 'RunTask', region: 'eu-west-1', input: { cluster: 'dr-runners', taskDefinition: 'orders-pg-dump' } });
    const override = (restore.awsApi!.input.overrides as { containerOverrides: { name: string; command: string[] }[] }).containerOverrides[0];
    expect(override.name).toBe('runner');
    expect(override.command.slice(0, 3)).toEqual(['restore', '--engine', 'pg-dump']);
  });

  test('no DR region: unavailable', () => {
    expect(recoveryProcedure({ ...RDS, drRegion: undefined }, 'dr-region')).toMatchObject({ available: false, unavailableReason: expect.stringMatching(/no DR region/) });
  });
});

describe('table-restore', () => {
  test('pg-dump: --tables and the scratch database; copy back through the recovered schema', () => {
    const p = recoveryProcedure(SELF_MANAGED_PG, 'table-restore');
    expect(p.steps.find((s) => s.id === 'restore')!.commands[0].argv).toEqual(expect.arrayContaining(['--tables', '{{Tables}}', '--target-db', '{{TargetName}}']));
    const copyBack = p.steps.find((s) => s.id === 'copy-back')!;
    expect(copyBack.touchesProduction).toBe(true);
    expect(copyBack.commands.map((c) => c.line).join('\n')).toMatch(/pg_dump .*--schema=recovered .*\| psql .*--dbname orders .*--single-transaction/);
    expect(p.parameters.find((x) => x.name === 'TargetHost')).toMatchObject({ required: false, default: '10.0.1.5' });
  });

  test('mysqldump: copy back with INSERT IGNORE ... SELECT', () => {
    const p = recoveryProcedure(SELF_MANAGED_MARIADB, 'table-restore');
    expect(p.steps.find((s) => s.id === 'copy-back')!.commands[0].line).toContain('insert ignore into \\`shop\\`.${t#*.} select * from \\`{{TargetName}}\\`.${t#*.}');
  });

  test('without a pg-dump or mysqldump backup: unavailable', () => {
    expect(recoveryProcedure({ ...SELF_MANAGED_PG, logicalEngine: undefined }, 'table-restore').available).toBe(false);
  });
});

describe('parameters', () => {
  const p = recoveryProcedure(SELF_MANAGED_PG, 'table-restore');

  test('values: defaults fill optional ones; every missing required and unknown parameter is named at once', () => {
    expect(parameterValues(p, { Tables: 'public.a', TargetName: 'scratch' })).toMatchObject({ TargetHost: '10.0.1.5', TargetPort: '5432', BackupId: '' });
    let err: unknown;
    try { parameterValues(p, { Nope: 'x' }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).problems).toEqual([
      expect.stringMatching(/^parameter Nope is not a parameter of table-restore/),
      expect.stringMatching(/^parameter Tables is required/),
      expect.stringMatching(/^parameter TargetName is required/),
    ]);
  });

  test('substituteArgv fills values and drops an empty optional value with its flag', () => {
    expect(substituteArgv(['runner', 'restore', '--target-db', '{{TargetName}}', '--backup-id', '{{BackupId}}'], { TargetName: 'x y', BackupId: '' }))
      .toEqual(['runner', 'restore', '--target-db', 'x y']);
    expect(() => substitute('--t {{TargetTime}}', {})).toThrow(/parameter TargetTime has no value/);
  });

  test('renderLine quotes placeholders while unexpanded and values once substituted', () => {
    expect(renderLine(['runner', '--target-time', '{{TargetTime}}'])).toBe('runner --target-time "{{TargetTime}}"');
    expect(renderLine(['runner', '--target-time', '{{TargetTime}}'], { TargetTime: "2026-11-23 05:52:17+00'x" })).toBe(`runner --target-time '2026-11-23 05:52:17+00'\\''x'`);
  });
});

describe('validation', () => {
  test('every problem of a description at once, naming the field and value', () => {
    let err: unknown;
    try {
      validateRecoveryDescription({ ...SELF_MANAGED_PG, deployment: 'rds', physicalEngine: 'mariabackup', logicalEngine: 'nope', drRegion: 'eu-central-1',
        storage: { bucket: 'b', posixRepo: 'relative' }, runnerFlags: { 'db-password': 'x' } });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigurationError);
    const problems = (err as ConfigurationError).problems.join('\n');
    for (const m of [/physicalEngine mariabackup does not back up postgres/, /logicalEngine must be one of .*got "nope"/, /exactly one of bucket and posixRepo, got both/,
      /posixRepo must be an absolute path, got "relative"/, /rds does not allow mariabackup/, /drRegion must differ/, /runnerFlags.db-password looks like a secret/]) {
      expect(problems).toMatch(m);
    }
  });
});
