import { outcome, runRunner } from '../support/run-runner';

describe('runner CLI entry', () => {
  it('prints usage and exits 2 without arguments; `help --engine` lists that engine\'s options', async () => {
    const none = await runRunner([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toMatch(/^usage: runner <command> --engine <name> \[flags\]/);
    const help = await runRunner(['help', '--engine', 'mongodump']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('| `--mongo-auth-db` | `RUNNER_MONGO_AUTH_DB` | string | `admin` |');
    expect(help.stdout).toContain('| (environment only) | `RUNNER_DB_PASSWORD` | secret |');
    expect(help.stdout).not.toContain('### Engine `pg-dump`');
  });

  it('fails an unknown engine or command like any job: a log line, a failure metric, exit 2', async () => {
    const r = await runRunner(['backpu', '--engine', 'oracle', '--database', 'erp']);
    expect(r.code).toBe(2);
    const msg = String(r.logs.pop()!.msg);
    expect(msg).toMatch(/unknown engine "oracle"; expected one of .*pg-dump/);
    expect(msg).toMatch(/unknown command "backpu"; expected one of backup, restore, verify, expire, check, info/);
    expect(outcome(r)).toMatchObject({ JobFailure: 1, Engine: 'oracle', Database: 'erp', Job: 'backpu' });
  });

  it('takes the engine and every option from the environment (how the ECS task runs it)', async () => {
    const r = await runRunner(['check'], { RUNNER_ENGINE: 'pg-dump', RUNNER_DATABASE: 'x', RUNNER_POSIX_REPO: '/nonexistent/repo', RUNNER_DB_PORT: 'abc' });
    expect(r.code).toBe(2);
    expect(r.logs.pop()!.msg).toMatch(/RUNNER_DB_PORT must be an integer, got "abc"[\s\S]*--db-host \(or RUNNER_DB_HOST\) is required for check/);
  });
});
