// A user's snapshot test of their stacks: asset hashes (64 hex characters) are masked so the
// snapshot changes only when the templates do.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from './app';

expect.addSnapshotSerializer({
  test: (v) => typeof v === 'string' && /[0-9a-f]{64}/.test(v),
  serialize: (v: string) => JSON.stringify(v.replace(/[0-9a-f]{64}/g, '<asset hash>')),
});

test('the DR stacks of my app', () => {
  const { stacks } = buildApp(new App());
  for (const stack of stacks) expect(Template.fromStack(stack).toJSON()).toMatchSnapshot(stack.stackName);
});
