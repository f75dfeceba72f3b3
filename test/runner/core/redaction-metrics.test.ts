import { JsonLogger } from '../../../runner/src/core/logger';
import { emfRecord } from '../../../runtime/metrics/emf';
import { Metrics } from '../../../runner/src/core/metrics';
import { Redactor } from '../../../runner/src/core/redact';
import { RUNNER_METRICS } from '../../../runtime/metrics/names';

describe('log redaction', () => {
  it('masks every registered secret in messages, fields, nested values and URL-encoded forms', () => {
    const r = new Redactor();
    r.add('p@ss"w/rd');
    r.add('AKIA-SECRET-TOKEN');
    r.add('abc'); // too short to register: it would mask ordinary words
    const lines: string[] = [];
    const log = new JsonLogger(r, 'info', { job: 'x' }, (l) => lines.push(l));
    log.info('connecting with p@ss"w/rd', { url: `postgres://u:${encodeURIComponent('p@ss"w/rd')}@h/db`, nested: { list: ['AKIA-SECRET-TOKEN'] }, word: 'abc' });
    log.debug('dropped below level p@ss"w/rd');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('p@ss');
    expect(lines[0]).not.toContain(encodeURIComponent('p@ss"w/rd'));
    expect(lines[0]).not.toContain('AKIA-SECRET-TOKEN');
    const rec = JSON.parse(lines[0]);
    expect(rec).toMatchObject({ level: 'info', msg: 'connecting with ***', job: 'x', url: 'postgres://u:***@h/db', nested: { list: ['***'] }, word: 'abc' });
  });

  it('serializes errors by name and message', () => {
    const lines: string[] = [];
    new JsonLogger(new Redactor(), 'debug', {}, (l) => lines.push(l)).error('failed', { error: new TypeError('bad thing') });
    expect(JSON.parse(lines[0]).error).toEqual({ name: 'TypeError', message: 'bad thing' });
  });
});

describe('EMF metrics', () => {
  it('writes a CloudWatch Embedded Metric Format record with the shared names and dimensions', () => {
    const rec = emfRecord('Ns', { Database: 'd' }, [{ name: 'M', value: 2, unit: 'Count' }], { note: 'n' }, 1000) as Record<string, any>;
    expect(rec).toEqual({ _aws: { Timestamp: 1000, CloudWatchMetrics: [{ Namespace: 'Ns', Dimensions: [['Database']], Metrics: [{ Name: 'M', Unit: 'Count' }] }] },
      note: 'n', Database: 'd', M: 2 });
  });

  it('masks secrets in metric properties, also ones JSON would escape', () => {
    const r = new Redactor();
    r.add('pa"ss\\word');
    const lines: string[] = [];
    new Metrics({ database: 'd', engine: 'e', job: 'backup' }, (l) => lines.push(l), (s) => r.redact(s))
      .jobOutcome({ success: false, durationSeconds: 1, properties: { error: 'auth failed for pa"ss\\word' } });
    expect(JSON.parse(lines[0]).error).toBe('auth failed for ***');
  });

  it('emits success with duration, bytes, throughput and last-success time; failure without them', () => {
    const lines: string[] = [];
    const m = new Metrics({ database: 'shop', engine: 'pg-dump', job: 'backup' }, (l) => lines.push(l));
    m.jobOutcome({ success: true, durationSeconds: 4, bytesRaw: 4000, bytesStored: 1000 });
    m.jobOutcome({ success: false, durationSeconds: 1.5, properties: { exitCode: 4 } });
    const [ok, bad] = lines.map((l) => JSON.parse(l));
    const n = RUNNER_METRICS;
    expect(ok._aws.CloudWatchMetrics[0].Namespace).toBe(n.namespace);
    expect(ok._aws.CloudWatchMetrics[0].Dimensions).toEqual([[n.dimensions.database, n.dimensions.engine, n.dimensions.job]]);
    expect(ok).toMatchObject({ Database: 'shop', Engine: 'pg-dump', Job: 'backup', [n.success]: 1, [n.failure]: 0, [n.durationSeconds]: 4,
      [n.bytesRaw]: 4000, [n.bytesStored]: 1000, [n.throughputBytesPerSecond]: 1000 });
    expect(Math.abs(ok[n.lastSuccessEpochSeconds] - Date.now() / 1000)).toBeLessThan(5);
    expect(ok._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: n.throughputBytesPerSecond, Unit: 'Bytes/Second' });
    expect(bad).toMatchObject({ [n.success]: 0, [n.failure]: 1, exitCode: 4 });
    expect(bad[n.lastSuccessEpochSeconds]).toBeUndefined();
    expect(bad[n.bytesRaw]).toBeUndefined();
  });
});
