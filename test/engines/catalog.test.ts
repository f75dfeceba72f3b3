/**
 * The engine catalog (runtime/engines/) is the one place an engine is described: the runner's
 * registry, the BackupRunner construct, the plan's tiers and model, drills and measured RPO must
 * agree with it.
 */
import { Stack } from 'aws-cdk-lib';
import '../../runner/src/engines';
import { allEngines } from '../../runner/src/core/registry';
import { ENGINES, ENGINE_NAMES, archiveEngine, enginesFor, findEngine } from '../../runtime/engines';
import { SNAPSHOT_AT_START_ENGINES } from '../../runtime/contracts/measured-rpo';
import { BackupRunner, RunnerEngine } from '../../lib/runner';
import { DRILLED_ENGINES } from '../../lib/verification/drill-engines';
import { archiveToolsFor, logicalTool } from '../../lib/plan/tiers';
import { restoreFigures } from '../../lib/plan/model';
import { ArchiveTool, DatabaseEngine } from '../../lib/plan/types';

describe('engine catalog', () => {
  it('has one record per engine, each name once, each backup type list starting with full', () => {
    expect(new Set(ENGINE_NAMES).size).toBe(ENGINES.length);
    for (const e of ENGINES) {
      expect({ name: e.name, first: e.backupTypes[0] }).toEqual({ name: e.name, first: 'full' });
      const scheduled = e.defaultSchedules.filter((s) => s.command === 'backup').map((s) => s.backupType);
      expect({ name: e.name, unknown: scheduled.filter((t) => !e.backupTypes.includes(t!)) }).toEqual({ name: e.name, unknown: [] });
      expect(e.restore.gbPerMinute).toBeGreaterThan(0);
    }
  });

  it('the runner registers exactly the catalog engines, with their backup types and descriptions', () => {
    const runner = allEngines();
    expect(runner.map((e) => e.name).sort()).toEqual([...ENGINE_NAMES].sort());
    for (const e of runner) {
      const record = findEngine(e.name)!;
      expect({ name: e.name, types: e.backupTypes, description: e.description }).toEqual({ name: e.name, types: record.backupTypes, description: record.description });
    }
  });

  it('the construct\'s RunnerEngine enum spells every engine as the catalog does', () => {
    expect(Object.values(RunnerEngine).sort()).toEqual([...ENGINE_NAMES].sort());
  });

  it('BackupRunner\'s default jobs are the catalog\'s default schedules', () => {
    for (const e of ENGINES.filter((r) => r.placement === 'runner-task')) {
      const jobs = BackupRunner.defaultSchedules(e.name as RunnerEngine).map((j) => ({
        command: j.command ?? 'backup', ...(j.command === undefined || j.command === 'backup' ? { backupType: j.backupType ?? 'full' } : {}),
        cron: Stack.of(new Stack()).resolve(j.schedule.expressionString),
      }));
      expect({ engine: e.name, jobs }).toEqual({ engine: e.name, jobs: e.defaultSchedules.map((s) => ({ ...s })) });
    }
  });

  it('the plan\'s tiers and recovery model use catalog engines and figures', () => {
    expect(logicalTool(DatabaseEngine.POSTGRES)).toBe('pg-dump');
    expect(logicalTool(DatabaseEngine.MARIADB)).toBe('mysqldump');
    expect(logicalTool(DatabaseEngine.MONGODB)).toBe('mongodump');
    expect(archiveToolsFor(DatabaseEngine.POSTGRES)).toEqual([ArchiveTool.PGBACKREST, ArchiveTool.WAL_G]);
    expect(archiveToolsFor(DatabaseEngine.MYSQL)).toEqual([ArchiveTool.BINLOG]);
    expect(archiveEngine('mysql', 'binlog')?.name).toBe('xtrabackup');
    expect(enginesFor('mariadb', 'physical').map((e) => e.name)).toEqual(['mariabackup']);
    for (const e of ENGINES) expect(restoreFigures(e.name)).toBe(e.restore);
    expect(() => restoreFigures('pg_dump')).toThrow(/no restore figures for "pg_dump"/);
  });

  it('drills and measured RPO read the catalog', () => {
    expect(DRILLED_ENGINES).toEqual(ENGINES.filter((e) => e.drill).map((e) => e.name));
    expect(DRILLED_ENGINES).toEqual(['pg-dump', 'mysqldump', 'pgbackrest', 'mariabackup']);
    expect(SNAPSHOT_AT_START_ENGINES).toEqual(['pg-dump', 'mysqldump']);
  });
});
