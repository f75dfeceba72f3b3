import { assessPlan, assessDatabase } from '../../lib/plan/feasibility';
import { TierKind, archiveRpoMinutes, estimateRestoreMinutes, restoreFigures } from '../../lib/plan/model';
import { formatFeasibilityTable } from '../../lib/plan/table';
import { ArchiveTool, BackupPlanConfig, ContinuousBackupMode, DatabaseConfig, DatabaseEngine, DeploymentKind, SelectionMode } from '../../lib/plan/types';

function db(overrides: Partial<DatabaseConfig> = {}): DatabaseConfig {
  return {
    index: 0, name: 'orders', engine: DatabaseEngine.POSTGRES, deployment: DeploymentKind.RDS,
    rpoMinutes: 15, rtoMinutes: 60, scheduleCron: 'cron(0 2 * * ? *)',
    retention: { dailyDays: 35, weeklyCount: 0, monthlyCount: 0 },
    continuousBackup: ContinuousBackupMode.AUTO, archive: ArchiveTool.NONE, archiveTimeoutSeconds: 60,
    tags: {}, selection: SelectionMode.ARN, selectionTags: {}, ...overrides,
  };
}

describe('the model', () => {
  test('restore estimates: fixed overhead plus size over throughput, rounded up', () => {
    expect(estimateRestoreMinutes(restoreFigures('pg-dump'), 100)).toBe(5 + 100);
    expect(estimateRestoreMinutes(restoreFigures('pgbackrest'), 100, 5)).toBe(10 + 5 + 34);
    expect(estimateRestoreMinutes(restoreFigures('rds-snapshot'), undefined)).toBe(20);
  });

  test('archive RPO is the timeout plus one minute for the push', () => {
    expect(archiveRpoMinutes(60)).toBe(2);
    expect(archiveRpoMinutes(300)).toBe(6);
    expect(archiveRpoMinutes(61)).toBe(3);
  });
});

describe('tier decisions', () => {
  test('RDS with rpo 15 and a daily schedule gets continuous + snapshot, and restores by PITR', () => {
    const a = assessDatabase(db({ sizeGb: 200 }), 2028);
    expect(a.tiers.map((t) => t.kind)).toEqual([TierKind.CONTINUOUS, TierKind.SNAPSHOT]);
    expect(a.achievedRpoMinutes).toBe(5);
    expect(a.recoveryTier?.kind).toBe(TierKind.CONTINUOUS);
    expect(a.estimatedRtoMinutes).toBe(34);
    expect(a.problems).toEqual([]);
  });

  test('RDS with rpo ≥ the snapshot interval: auto leaves continuous off and adds a logical tier', () => {
    const a = assessDatabase(db({ rpoMinutes: 1440, sizeGb: 10, host: { address: 'orders.internal', port: 5432, secretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:b', databaseNames: [], user: 'backup', pgDataPath: '/' } }), 2028);
    expect(a.continuousBackup).toBe(false);
    expect(a.tiers.map((t) => `${t.kind}:${t.tool}`)).toEqual(['snapshot:aws-backup', 'logical:pg-dump']);
    // For 10 GB pg_restore (5 + 10 = 15 min) beats a snapshot restore (20 + 0.2 → 21 min).
    expect(a.recoveryTier?.tool).toBe('pg-dump');
  });

  test('self-managed PostgreSQL with pgBackRest: archive, physical and logical', () => {
    const a = assessDatabase(db({ deployment: DeploymentKind.SELF_MANAGED, archive: ArchiveTool.PGBACKREST, rpoMinutes: 5, sizeGb: 30 }), 2028);
    expect(a.tiers.map((t) => `${t.kind}:${t.tool}`)).toEqual(['archive:pgbackrest', 'physical:pgbackrest', 'logical:pg-dump']);
    expect(a.achievedRpoMinutes).toBe(2);
    expect(a.estimatedRtoMinutes).toBe(10 + 5 + 10);
  });

  test('a logical-only self-managed PostgreSQL with a slow restore suggests pgBackRest', () => {
    const a = assessDatabase(db({ deployment: DeploymentKind.SELF_MANAGED, rpoMinutes: 1440, rtoMinutes: 60, sizeGb: 500 }), 2028);
    expect(a.problems).toEqual([expect.stringMatching(/rto_minutes: 60 cannot be met .*pg-dump: 5 min \+ 500 GB at 1 GB\/min.*add physical backups with archive "pgbackrest"/)]);
    expect(a.warnings).toEqual([expect.stringMatching(/single backup tier/)]);
  });

  test('an unknown size is flagged as an overhead-only estimate', () => {
    const a = assessDatabase(db(), 2028);
    expect(a.warnings).toEqual([expect.stringMatching(/size_gb: not set/)]);
  });

  test('continuous_backup true on self-managed is refused', () => {
    const a = assessDatabase(db({ deployment: DeploymentKind.SELF_MANAGED, continuousBackup: ContinuousBackupMode.ENABLED, rpoMinutes: 1440 }), 2028);
    expect(a.problems).toContainEqual(expect.stringMatching(/continuous_backup: true is not available for deployment "self-managed"/));
  });

  test('an archive timeout too long for the RPO suggests a shorter one', () => {
    const a = assessDatabase(db({ deployment: DeploymentKind.SELF_MANAGED, engine: DatabaseEngine.MARIADB, archive: ArchiveTool.BINLOG, archiveTimeoutSeconds: 900, rpoMinutes: 10 }), 2028);
    expect(a.problems).toEqual([expect.stringMatching(/rpo_minutes: 10 cannot be met .* binlog archiving \(900 s\) \(16 min\); fix: lower archive_timeout_seconds to ≤ 540/)]);
  });
});

describe('formatFeasibilityTable', () => {
  test('one row per database with objective vs achieved and a verdict', () => {
    const plan: BackupPlanConfig = {
      sourceName: 'plan.json', name: 'dr', primaryRegion: 'us-east-1', drRegion: 'us-west-2', tags: {}, auditEnabled: true,
      databases: [
        db({ sizeGb: 200 }),
        db({ index: 1, name: 'events', engine: DatabaseEngine.MONGODB, deployment: DeploymentKind.SELF_MANAGED, sizeGb: 20 }),
      ],
    };
    const result = assessPlan(plan, 2028);
    const table = formatFeasibilityTable(result);
    const lines = table.split('\n');
    expect(lines[1]).toMatch(/^database \| engine\/deployment +\| tiers +\| RPO objective \| RPO achieved +\| RTO objective \| RTO estimated +\| verdict$/);
    expect(table).toMatch(/orders +\| postgres\/rds +\| continuous, snapshot:aws-backup +\| 15 min +\| 5 min +\| 60 min +\| 34 min via continuous +\| OK/);
    expect(table).toMatch(/events +\| mongodb\/self-managed +\| logical:mongodump +\| 15 min +\| 1440 min \(1 d\) +\| 60 min +\| 45 min via logical +\| FAIL \(RPO\)/);
    expect(table).toMatch(/Problems:\n  - databases\[1\]\.rpo_minutes: 15 cannot be met/);
    expect(result.feasible).toBe(false);
  });
});
