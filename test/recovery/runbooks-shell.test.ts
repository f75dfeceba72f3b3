/** The runbooks' command lines: markers and parameters become shell variables whatever the quoting. */
import { execFileSync } from 'node:child_process';
import { marker, withShellVariables } from '../../lib/recovery/shell-lines';

function run(line: string, env: Record<string, string>): string {
  return execFileSync('bash', ['-c', `printf '%s\\n' ${line}`], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
}

test('a variable expands bare, in double quotes and inside single-quoted JSON, with spaces and quotes in its value kept', () => {
  const line = withShellVariables(`${marker('BUCKET')} "--target-time={{TargetTime}}" '{"subnets":["${marker('SUBNET')}"],"name":"{{TargetName}}"}'`);
  expect(line).toBe(`"\${BUCKET}" "--target-time=\${TargetTime}" '{"subnets":["'"\${SUBNET}"'"],"name":"'"\${TargetName}"'"}'`);
  const printed = run(line, { BUCKET: 'my bucket', TargetTime: '2026-12-03 10:15:00+00', SUBNET: 'subnet-1', TargetName: "o'brien" });
  expect(printed).toBe('my bucket\n--target-time=2026-12-03 10:15:00+00\n{"subnets":["subnet-1"],"name":"o\'brien"}\n');
});

test('escaped quotes do not change the quoting state', () => {
  const line = withShellVariables(`"a \\" {{X}}" b`);
  expect(run(line, { X: 'y' })).toBe('a " y\nb\n');
});
