// The consumers AWS documents for a database secret reach it through the library's deny and key policy, by the grants
// aws-cdk-lib and this library make: RDS Proxy's role (`DatabaseProxy` / `addProxy` call `grantRead` on the secrets
// they are given), a Data API caller (`grantDataApiAccess`: the Data API reads the secret with the caller's
// credentials, `aws:CalledVia` rds-data) and a function reading through Parameter Store's reference (the Parameters and
// Secrets Lambda Extension). Decided by the IAM simulator (@cloud-copilot/iam-simulate) on the synthesized templates;
// README "Reading it from applications".
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack, aws_ec2 as ec2, aws_iam as iam, aws_lambda as lambda, aws_rds as rds } from 'aws-cdk-lib';
import { ACCOUNT, Decision, REGION, ResolvedApp, ResolvedTemplate, decide, principalCaller } from './iam-matrix';
import { ProtectedSecret, RotatedAuroraCluster, RotatedDatabase } from '../src';

const ENV = { account: ACCOUNT, region: REGION };
const VIA_SECRETS_MANAGER = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'aws:ViaAWSService': 'true' };

function synth(build: (stack: Stack) => void): { app: ResolvedApp; t: ResolvedTemplate } {
  const outdir = mkdtempSync(join(tmpdir(), 'consumers-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
    const stack = new Stack(app, 'Consumers', { env: ENV });
    build(stack);
    const assembly = app.synth();
    const t = new ResolvedTemplate(stack.stackName, JSON.parse(readFileSync(join(assembly.directory, stack.templateFile), 'utf8')));
    return { app: new ResolvedApp([t]), t };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function isolatedVpc(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

/** What the role at `rolePath` may do with every secret of the template and its key, through Secrets Manager. */
async function decisions(s: { app: ResolvedApp; t: ResolvedTemplate }, rolePath: RegExp, context: Record<string, string | string[]> = {}) {
  const roles = s.t.ofType('AWS::IAM::Role').filter(([id]) => rolePath.test(s.t.pathOf(id)));
  expect(roles).toHaveLength(1);
  const roleArn = s.t.arnOf(roles[0][0]);
  const identity = s.app.identityPolicies().get(s.t.resolve({ Ref: roles[0][0] })) ?? [];
  const caller = principalCaller('consumer', roleArn, identity, { 'kms:CallerAccount': ACCOUNT, ...context });
  // The app's one protected secret (the rotation function's proof key is a secret of its own) and its key.
  const secrets = s.t.ofType('AWS::SecretsManager::Secret').filter(([id]) => !/ProofKey/.test(s.t.pathOf(id)));
  expect(secrets).toHaveLength(1);
  const [secretId, secret] = secrets[0];
  const secretArn = s.t.resolve({ Ref: secretId }) as string;
  const policy = s.app.secretPolicies().get(secretArn);
  expect(policy).toBeDefined();
  const keyArn = s.t.resolve(secret.Properties.KmsKeyId) as string;
  return {
    caller,
    secretArn,
    read: await decide(caller, 'secretsmanager:GetSecretValue', secretArn, policy),
    decrypt: await decide(caller, 'kms:Decrypt', keyArn, s.app.keyPolicy(keyArn), VIA_SECRETS_MANAGER),
    write: await decide(caller, 'secretsmanager:PutSecretValue', secretArn, policy),
  };
}

const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const READS: { read: Decision; decrypt: Decision } = { read: 'Allowed', decrypt: 'Allowed' };

test('RDS Proxy given the database secret reads it and decrypts it, and cannot write it', async () => {
  const s = synth(stack => {
    const vpc = isolatedVpc(stack);
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, monitoring: { enabled: false } });
    new rds.DatabaseProxy(stack, 'Proxy', { proxyTarget: rds.ProxyTarget.fromInstance(db.instance), secrets: [db.secret], vpc });
  });
  const proxy = await decisions(s, /^Proxy\/IAMRole$/);
  expect(proxy).toMatchObject({ ...READS, write: 'ImplicitlyDenied' });
});

test('RDS Proxy through instance.addProxy with the instance secret (the attachment) reads it too', async () => {
  const s = synth(stack => {
    const vpc = isolatedVpc(stack);
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, monitoring: { enabled: false } });
    db.instance.addProxy('Proxy', { secrets: [db.instance.secret!], vpc });
  });
  expect(await decisions(s, /^Db\/Instance\/Proxy\/IAMRole$/)).toMatchObject(READS);
});

test('a Data API caller given grantDataApiAccess reads the cluster secret as the Data API does (aws:CalledVia rds-data)', async () => {
  const s = synth(stack => {
    const vpc = isolatedVpc(stack);
    const aurora = new RotatedAuroraCluster(stack, 'Reports', {
      vpc, engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }), monitoring: { enabled: false },
    });
    aurora.cluster.grantDataApiAccess(new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
  });
  const caller = await decisions(s, /^AppRole$/, { 'aws:CalledVia': ['rds-data.amazonaws.com'], 'aws:ViaAWSService': 'true' });
  expect(caller).toMatchObject({ ...READS, write: 'ImplicitlyDenied' });
});

test('a function reading through the Parameter Store reference (the Lambda extension) gets the parameter, the value and the key', async () => {
  const s = synth(stack => {
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1'),
    });
    new ProtectedSecret(stack, 'ApiKey', { secretName: 'payments/api-key', monitoring: { enabled: false } }).grantReadViaParameterStore(fn);
  });
  const reader = await decisions(s, /^Fn\/ServiceRole$/, { 'aws:CalledVia': ['ssm.amazonaws.com'], 'aws:ViaAWSService': 'true' });
  expect(reader).toMatchObject(READS);
  const parameterArn = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/aws/reference/secretsmanager/payments/api-key`;
  expect(await decide(reader.caller, 'ssm:GetParameter', parameterArn, undefined)).toBe('Allowed');
});

test('without a grant, a role whose own policy allows everything does not read the secret (the deny holds)', async () => {
  const s = synth(stack => {
    const vpc = isolatedVpc(stack);
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, monitoring: { enabled: false } });
    new iam.Role(stack, 'AppRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })
      .addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'kms:Decrypt'], resources: ['*'] }));
    void db;
  });
  // kms:Decrypt through Secrets Manager is the account's to grant by IAM (the key policy's use statement, as
  // aws-cdk-lib writes it for a secret's key): without GetSecretValue, which the deny refuses, it decrypts nothing.
  expect(await decisions(s, /^AppRole$/)).toMatchObject({ read: 'ExplicitlyDenied' });
});
