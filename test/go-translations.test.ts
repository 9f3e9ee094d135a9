// pkg.go.dev shows the Go module's README and `// Example:` comments as jsii-rosetta translated them, after
// scripts/fix-go-translations.mjs. A Go user copies them: every call must pass what jsii's Go signatures take, where
// TypeScript lets a call leave optional parameters out and reads properties without a call. package-check.sh compiles
// the examples the module ships (scripts/check-package-examples.mjs); these are the rewrites that make them compile,
// on snippets shaped like rosetta's output. Needs the compiled assembly (.jsii): the script reads the types there.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..');

// A fresh clone has no assembly when the test task's jest runs (it compiles later, for packaging): build it here.
beforeAll(() => {
  if (!fs.existsSync(path.join(root, '.jsii'))) {
    execFileSync('npx', ['jsii', '--silence-warnings=reserved-word'], { cwd: root, stdio: 'inherit', timeout: 600_000 });
  }
}, 600_000);

/** The Go bodies (imports left out) fix-go-translations.mjs makes of these rosetta outputs. */
function fixGo(...sources: string[]): string[] {
  const script = `
    import * as fs from 'node:fs';
    import { fixGo } from './scripts/fix-go-translations.mjs';
    const sources = JSON.parse(fs.readFileSync(0, 'utf8'));
    console.log(JSON.stringify(sources.map(s => fixGo(s).replace(/^(import .*\\n)*\\n+/, ''))));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, input: JSON.stringify(sources), encoding: 'utf8' }));
}

test('a Go user who copies the SecretsGuard example passes the aspect options Aspects.Add takes (nil)', () => {
  const [fixed] = fixGo('awscdk.Aspects_Of(app).Add(cdkprotectedsecrets.NewSecretsGuard())');
  expect(fixed).toBe('awscdk.Aspects_Of(app).Add(cdkprotectedsecrets.NewSecretsGuard(nil), nil)');
});

test('an instance method called on a variable gets nil for the optional parameters the TypeScript left out', () => {
  const [fixed] = fixGo([
    'secret := cdkprotectedsecrets.NewProtectedSecret(stack, jsii.String("Token"), nil)',
    'secret.GrantRead(service)',
    'db := cdkprotectedsecrets.NewRotatedDatabase(stack, jsii.String("Db"), props)',
    'db.Connections().AllowDefaultPortFrom(peer)',
  ].join('\n'));
  expect(fixed.split('\n').slice(1)).toEqual([
    'secret.GrantRead(service, nil)',
    'db := cdkprotectedsecrets.NewRotatedDatabase(stack, jsii.String("Db"), props)',
    'db.Connections().AllowDefaultPortFrom(peer, nil)',
  ]);
});

test('a property of a construct is read by its Go getter, through the types of the chain', () => {
  const [fixed] = fixGo([
    'secret := cdkprotectedsecrets.NewProtectedSecret(stack, jsii.String("Token"), nil)',
    'monitoring := secret.Monitoring',
    'metric := monitoring.MetricChanges()',
    'action := awscloudwatchactions.NewSnsAction(monitoring.AlertTopic)',
    'id := vpc.VpcId',
  ].join('\n'));
  expect(fixed.split('\n').slice(1)).toEqual([
    'monitoring := secret.Monitoring()',
    'metric := monitoring.MetricChanges(nil)',
    'action := awscloudwatchactions.NewSnsAction(monitoring.AlertTopic())',
    'id := vpc.VpcId()',
  ]);
});

test('what Go already takes is left alone: struct fields, variadic parameters, calls that pass every argument', () => {
  const source = [
    'selection := vpc.SelectSubnets(nil)',
    'ids := selection.SubnetIds',
    'alarm := awscloudwatch.NewAlarm(stack, jsii.String("Alarm"), props)',
    'alarm.AddAlarmAction(first, second)',
    'secret := cdkprotectedsecrets.NewProtectedSecret(stack, jsii.String("Token"), nil)',
    'secret.GrantRead(service, &[]*string{jsii.String("AWSCURRENT")})',
  ].join('\n');
  expect(fixGo(source)[0]).toBe(source);
});

test('a method of a receiver whose type is unknown gets nil only when its name leaves one signature', () => {
  const [fixed] = fixGo('imported.AllowDefaultPortFrom(peer)\nimported.GrantRead(reader)');
  // Only ec2.Connections has allowDefaultPortFrom(other, description?); grantRead has several shapes (Bucket, Table, Secret...).
  expect(fixed).toBe('imported.AllowDefaultPortFrom(peer, nil)\nimported.GrantRead(reader)');
});

test('a boolean is passed with jsii.Bool, the helper jsii-runtime-go has (rosetta writes jsii.Boolean)', () => {
  const [fixed] = fixGo('stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{\n\tCrossRegionReferences: jsii.Boolean(true),\n})');
  expect(fixed).toContain('CrossRegionReferences: jsii.Bool(true),');
});

test('the rewrite is idempotent (rosetta reuses the tablet as its cache, so a translation passes through again)', () => {
  const source = [
    'secret := cdkprotectedsecrets.NewProtectedSecret(stack, jsii.String("Token"), &cdkprotectedsecrets.ProtectedSecretProps{',
    '\tReaders: &[]awsiam.IPrincipal{service},',
    '})',
    'monitoring := secret.Monitoring',
    'awscdk.Aspects_Of(app).Add(cdkprotectedsecrets.NewSecretsGuard())',
    'secret.GrantRead(service) // a comment',
  ].join('\n');
  const [once] = fixGo(source);
  const [twice] = fixGo(once);
  expect(twice).toBe(once);
});
