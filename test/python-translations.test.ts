// PyPI shows the README's examples as jsii-rosetta translated them into Python, after
// scripts/fix-python-translations.mjs. package-check.sh type-checks the examples the wheel ships with mypy
// (scripts/check-package-examples.mjs); these are the rewrites, on imports shaped like rosetta's output.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..');

/** What fix-python-translations.mjs makes of these rosetta outputs. */
function fixPython(...sources: string[]): string[] {
  const script = `
    import * as fs from 'node:fs';
    import { fixPython } from './scripts/fix-python-translations.mjs';
    console.log(JSON.stringify(JSON.parse(fs.readFileSync(0, 'utf8')).map(fixPython)));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, input: JSON.stringify(sources), encoding: 'utf8' }));
}

test('a Python user who copies the replica example imports Environment once, in the snippet\'s own import line', () => {
  const [fixed] = fixPython([
    'from aws_cdk import Environment, Environment',
    'from aws_cdk import Environment, Stack, aws_iam as iam',
    'from cdk_protected_secrets import ProtectedSecret, SecretsKey',
    '',
    '',
    'ireland = Environment(account="111111111111", region="eu-west-1")',
  ].join('\n'));
  expect(fixed.split('\n')).toEqual([
    'from aws_cdk import Environment, Stack, aws_iam as iam',
    'from cdk_protected_secrets import ProtectedSecret, SecretsKey',
    '',
    '',
    'ireland = Environment(account="111111111111", region="eu-west-1")',
  ]);
});

test('a struct rosetta imports that the snippet does not is kept, and the same name from another module is another name', () => {
  const source = [
    'from cdk_protected_secrets import MonitoringOptions',
    'from aws_cdk import aws_iam as iam, aws_iam',
    'from cdk_protected_secrets import ProtectedSecret',
    'import aws_cdk as cdk',
    'from aws_cdk import MonitoringOptions',
  ].join('\n');
  expect(fixPython(source)[0]).toBe(source);
});

test('the rewrite is idempotent (rosetta reuses the tablet as its cache)', () => {
  const [once] = fixPython('from a import X, X\nfrom a import X, Y\n\nX(Y())');
  expect(fixPython(once)[0]).toBe(once);
  expect(once).toBe('from a import X, Y\n\nX(Y())');
});
