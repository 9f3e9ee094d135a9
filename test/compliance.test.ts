// The compliance gates, on every template this project synthesizes: the example app and the integ test stacks.
// cdk-nag (four packs) must report nothing unsuppressed, cfn-lint nothing at all, and no template or asset may
// hold a secret value. (The rotation function's own logs are scanned in test/lambda/rotation.test.ts.)
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { CHECKED_APPS } from './checked-apps';
import { pythonTool } from './python-tools';

const PACKS = () => [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks()];
const INTEG = join(__dirname, '..', 'integ');

interface Synthesized { readonly name: string; readonly outdir: string; readonly stacks: Stack[]; readonly app: App }

function synth(name: string, build: (app: App) => Stack[]): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), `compliance-${name}-`));
  const app = new App({ outdir });
  const stacks = build(app);
  for (const pack of PACKS()) Aspects.of(app).add(pack);
  app.synth();
  return { name, outdir, stacks, app };
}

const apps = CHECKED_APPS.map(([name, build]) => synth(name, build));

afterAll(() => {
  for (const a of apps) rmSync(a.outdir, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The committed integ snapshots, including the assertion stacks integ-runner deploys beside the test cases. */
const snapshotDirs = readdirSync(INTEG).filter(name => name.endsWith('.snapshot')).map(name => join(INTEG, name));
const templates = [
  ...apps.flatMap(a => filesUnder(a.outdir)),
  ...snapshotDirs.flatMap(dir => readdirSync(dir).map(name => join(dir, name))),
].filter(path => path.endsWith('.template.json'));

describe('cdk-nag: AwsSolutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1', () => {
  test.each(apps.map(a => [a.name, a] as const))('%s: no unsuppressed error or warning', (_name, synthesized) => {
    const findings = synthesized.stacks.flatMap(stack => synthesized.app.synth().getStackArtifact(stack.artifactId).messages)
      .filter(m => m.level === 'error' || m.level === 'warning')
      .map(m => `${m.level} ${String(m.entry.data).split(':')[0]} at ${m.id}`);
    expect(findings).toEqual([]);
  });

  test('every suppression in the templates carries a written reason', () => {
    for (const { outdir } of apps) {
      const suppressed = filesUnder(outdir).filter(path => path.endsWith('.template.json'))
        .flatMap(path => Object.values<any>(JSON.parse(readFileSync(path, 'utf8')).Resources))
        .flatMap(resource => resource.Metadata?.cdk_nag?.rules_to_suppress ?? []);
      expect(suppressed.length).toBeGreaterThan(0);
      for (const s of suppressed) expect(s.reason.length).toBeGreaterThan(40);
    }
  });
});

describe('cfn-lint on every synthesized template', () => {
  test(`${templates.length} templates: no error, no warning`, () => {
    expect(templates.length).toBeGreaterThanOrEqual(10);
    // W3005 is the one check left out: aws-cdk-lib's lambda.Function always adds an explicit DependsOn on the
    // role it already references by GetAtt (our function, integ-tests' assertion functions and CDK's own custom
    // resource providers alike), and a rotation schedule waits for the function it also names (with its invoke
    // permission and network rules, which it does not name). CloudFormation orders by the reference either way, so
    // the redundancy is harmless.
    const run = spawnSync(pythonTool('cfn-lint'), ['--format', 'json', '--ignore-checks', 'W3005', '--', ...templates], { encoding: 'utf8' });
    // cfn-lint's exit code is a bit field of what it found (2 errors, 4 warnings, 8 informational); 1, a signal or
    // no JSON means it did not run, which must not pass as "nothing found".
    if (run.status === null || run.status % 2 === 1 || !run.stdout.trim().startsWith('[')) {
      throw new Error(`cfn-lint did not run (exit ${run.status}): ${run.stderr || run.error}`);
    }
    const output = run.stdout;
    const findings = (JSON.parse(output) as any[])
      .map(f => `${f.Rule.Id} ${(f.Location.Path ?? []).join('/')} in ${f.Filename}: ${f.Message}`);
    expect(findings).toEqual([]);
  });
});

describe('checkov on every synthesized template', () => {
  // Findings that stand, each with the resources it applies to and its reason. Anything else checkov reports fails.
  const ALLOWED: { check: string; resource: RegExp; reason: string }[] = [
    ...['CKV_AWS_115', 'CKV_AWS_116'].map(check => ({
      check,
      resource: /^AWS::Lambda::Function\.RotationFunction/,
      reason: 'Secrets Manager invokes the rotation function synchronously, once per step and secret: a DLQ never receives anything, and reserved concurrency would fail deployments in accounts at the default limit (cdk-nag LambdaDLQ/LambdaConcurrency, same reasons)',
    })),
    {
      check: 'CKV_AWS_173',
      resource: /^AWS::Lambda::Function\.RotationFunction/,
      reason: 'the environment holds the password options (PASSWORD_LENGTH, EXCLUDE_CHARACTERS), the endpoints\' URLs, the role\'s ARN (LOGIN_SECRET_READER_ARN) and the proof key secret\'s ARN (PROOF_KEY_SECRET_ARN), never a secret; Lambda encrypts it at rest with its service key',
    },
    {
      check: 'CKV_AWS_111',
      // The rotation function's own policy, whatever the function's construct id ('RotationFunction' in the integ
      // tests, 'Rotation' in the multi-stack example); not the per-stack `RotationAccess` policies naming secrets.
      resource: /^AWS::IAM::ManagedPolicy\.Rotation(Function([0-9A-F]{8})?)?RolePolicy[0-9A-F]{8}$/,
      // The write actions on "*" are the EC2 network-interface ones. Lambda creates and deletes the function's
      // network interfaces with the execution role, and AWS documents them on "*": ec2:DescribeNetworkInterfaces
      // "only works if it's allowed on all resources", and without every resource ID for DeleteNetworkInterface
      // the function "may not be able to access the VPC"; the interface IDs are Lambda's, unknown at synth
      // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html, and the managed policy
      // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html).
      // No Secrets Manager action is on "*": the function makes its passwords without GetRandomPassword.
      reason: 'the EC2 network-interface actions Lambda performs with a VPC function\'s role are documented on "*" (Lambda developer guide, VPC configuration); secret actions are scoped to the rotated secrets',
    },
    {
      check: 'CKV_AWS_27',
      // The integ tests' alert probe: SQS-managed encryption (SqsManagedSseEnabled), which the check does not count.
      // A customer-managed key would need a key policy of its own for SNS, in a queue that lives for one test.
      resource: /^AWS::SQS::Queue\.AlertProbe[0-9A-F]{8}$/,
      reason: 'the integ tests\' alert probe queue is encrypted with SQS-managed keys (SqsManagedSseEnabled), which this check does not recognise; test-only, never part of a user\'s app',
    },
    {
      check: 'CKV_AWS_18',
      resource: /^AWS::S3::Bucket\.TrailBucket[0-9A-F]{8}$/,
      reason: 'the bucket of the account trail (SecretsTrail): only CloudTrail writes to it, and server access logs would need yet another bucket that logs nowhere; reads of the log files are S3 data events the trail can record (cdk-nag AwsSolutions-S1 / S3BucketLoggingEnabled, same reason, examples/compliance.ts)',
    },
    ...['CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_117'].map(check => ({
      check,
      resource: /^AWS::Lambda::Function\.CustomVpcRestrictDefaultSGCustomResourceProvider/,
      reason: 'aws-cdk-lib\'s provider that strips the default security group of the VPC at deployment; runs only during the deployment, not ours to configure',
    })),
    ...['CKV_AWS_111', 'CKV_AWS_115', 'CKV_AWS_116', 'CKV_AWS_117'].map(check => ({
      check,
      resource: /^AWS::(Lambda::Function|IAM::Role)\.SingletonFunction[0-9a-f]{32}/,
      reason: 'integ-tests-alpha assertion functions in the DeployAssert stacks of the integ snapshots: test-only, never part of a user\'s app',
    })),
    {
      check: 'CKV_AWS_157',
      resource: /^AWS::RDS::DBInstance\.DbInstance/,
      reason: 'integ test databases are single-AZ to stay cheap; RotatedDatabase defaults to Multi-AZ (cdk-nag RDSMultiAZSupport, same reason)',
    },
    {
      check: 'CKV_AWS_161',
      resource: /^AWS::RDS::DBInstance\./,
      reason: 'password authentication, rotated by the bundled function, is what the library provides; IAM database authentication is the `iamAuthentication` prop',
    },
  ];

  test(`${templates.length} templates: no finding beyond the written allow-list`, () => {
    expect(templates.length).toBeGreaterThanOrEqual(10);
    const run = spawnSync(pythonTool('checkov'), ['--framework', 'cloudformation', '--output', 'json', '--quiet', '--skip-download', '--file', ...templates], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false' },
    });
    // checkov exits 1 when it found something; anything else without JSON means it did not run.
    if (run.status === null || run.status > 1 || !/^[[{]/.test(run.stdout.trim())) {
      throw new Error(`checkov did not run (exit ${run.status}): ${run.stderr || run.error}`);
    }
    const reports = [].concat(JSON.parse(run.stdout));
    const findings = reports.flatMap((r: any) => r.results?.failed_checks ?? [])
      .filter((f: any) => !ALLOWED.some(a => a.check === f.check_id && a.resource.test(f.resource)))
      .map((f: any) => `${f.check_id} ${f.resource} in ${f.file_path}: ${f.check_name}`);
    expect(findings).toEqual([]);
  });
});

describe('no secret value in any template or asset', () => {
  const files = [...apps.flatMap(a => filesUnder(a.outdir)), ...snapshotDirs.flatMap(dir => filesUnder(dir))]
    .filter(path => !path.endsWith('.map'));

  test('templates: secrets are generated by Secrets Manager, passwords only as dynamic references', () => {
    const problems: string[] = [];
    for (const path of templates) {
      const template = JSON.parse(readFileSync(path, 'utf8'));
      for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
        if (resource.Type === 'AWS::SecretsManager::Secret' && resource.Properties?.SecretString !== undefined) {
          problems.push(`${path} ${id}: SecretString in the template`);
        }
        // Any property named like a password must be a Secrets Manager dynamic reference. An event pattern is left out:
        // its keys are the fields of the events it matches (`manageMasterUserPassword`), its values matchers.
        const { EventPattern: _pattern, ...properties } = resource.Properties ?? {};
        JSON.stringify(properties, (key, value) => {
          if (/password/i.test(key) && !/^(ManageMasterUserPassword|PASSWORD_LENGTH)$/.test(key)
            && typeof value !== 'boolean' && typeof value !== 'number' && !JSON.stringify(value).includes('{{resolve:secretsmanager:')) {
            problems.push(`${path} ${id}: ${key} is not a Secrets Manager reference`);
          }
          return value;
        });
      }
    }
    expect(problems).toEqual([]);
  });

  test(`${files.length} files: no access key, private key or known credential`, () => {
    // The credentials the tests use, and the shapes of credentials that must never ship.
    const known = ['test-admin-pw', 'test-superuser-pw', 'hunter2'];
    const shapes = [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, /-----BEGIN (RSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY-----/];
    expect(files.some(f => f.endsWith('index.js'))).toBe(true);
    const problems: string[] = [];
    for (const path of files) {
      const text = readFileSync(path, 'latin1');
      for (const k of known) if (text.includes(k)) problems.push(`${path}: contains "${k}"`);
      for (const shape of shapes) if (shape.test(text)) problems.push(`${path}: matches ${shape}`);
    }
    expect(problems).toEqual([]);
  });
});
