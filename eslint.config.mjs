// Import directions between the folders (docs/architecture.md), enforced by `npm test`:
//   lib/     -> runtime/ contracts only (names, environment keys, renderers, errors, the engine
//               catalog); never handler or runner source (they reach constructs as bundles)
//   lambda/  -> runtime/ only; never lib/, runner/, another handler's folder, or CDK
//   runner/  -> runtime/ only; never lib/, lambda/, or CDK
//   runtime/ -> nothing of ours outside runtime/, never CDK
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const root = path.dirname(fileURLToPath(import.meta.url));
const CDK = /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/;

/** The rules: for a file in `from`, which repository folders and packages it may not import. */
const RULES = [
  { from: 'runtime/', forbidden: ['lib/', 'lambda/', 'runner/', 'bin/', 'test/'], cdk: true,
    why: 'runtime/ imports nothing of ours outside runtime/ and never CDK' },
  { from: 'lambda/', forbidden: ['lib/', 'runner/', 'bin/', 'test/'], otherHandler: true, cdk: true,
    why: 'a handler uses runtime/ only: never construct, runner or another handler\'s code, never CDK' },
  { from: 'runner/', forbidden: ['lib/', 'lambda/', 'bin/', 'test/'], cdk: true,
    why: 'the runner uses runtime/ only: never construct or handler code, never CDK' },
  { from: 'lib/', forbidden: ['lambda/', 'runner/', 'test/', 'runtime/aws/', 'runtime/integrity/'],
    why: 'constructs import runtime/ contracts only and reference handlers and the runner as pre-built bundles' },
];

const importDirections = {
  meta: { type: 'problem', messages: { bad: '{{file}} may not import {{target}}: {{why}}' }, schema: [] },
  create(context) {
    const file = path.relative(root, context.filename).split(path.sep).join('/');
    const rule = RULES.find((r) => file.startsWith(r.from));
    if (!rule) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      let target;
      if (spec.startsWith('.')) {
        target = path.relative(root, path.resolve(path.dirname(context.filename), spec)).split(path.sep).join('/') + '/';
      } else if (rule.cdk && CDK.test(spec)) {
        target = spec;
      } else {
        return;
      }
      const forbidden = CDK.test(target)
        || rule.forbidden.some((f) => target.startsWith(f))
        || (rule.otherHandler && target.startsWith('lambda/') && target.split('/')[1] !== file.split('/')[1]);
      if (forbidden) context.report({ node, messageId: 'bad', data: { file, target: target.replace(/\/$/, ''), why: rule.why } });
    };
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
      CallExpression: (n) => n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments[0]?.type === 'Literal' && check(n, n.arguments[0].value),
    };
  },
};

export default [
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**', 'assets/**', '.bench/**'] },
  {
    files: ['lib/**/*.ts', 'lambda/**/*.ts', 'runner/**/*.ts', 'runtime/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { dr: { rules: { 'import-directions': importDirections } } },
    rules: { 'dr/import-directions': 'error' },
  },
];
