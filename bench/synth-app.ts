// One measurement in a fresh process: build and synthesize an app with N rotated databases, with this library or
// with aws-cdk-lib alone, and print what it cost as JSON.
// Usage: ts-node bench/synth-app.ts <library|library-lean|library-unmonitored|plain|matched> <N>
//   library             RotatedDatabase (its own key per secret, monitoring on: the defaults)
//   library-lean        RotatedDatabase with `encryptionKey: SecretsKey.forStack(stack)` (one key for the stack's secrets)
//   library-unmonitored RotatedDatabase with `monitoring: { enabled: false }`: the defaults less what the baselines lack
//   plain               aws-cdk-lib's documented way: a generated secret and addRotationSingleUser (hosted SAR function)
//   matched             plain plus what the library adds that aws-cdk-lib can express: a customer-managed key per
//                       secret (also encrypting storage) and a resource policy that denies everyone but one reader
import { performance } from 'perf_hooks';
import { App, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_rds as rds } from 'aws-cdk-lib';
import { RotatedDatabase, SecretsKey } from '../src';

const VARIANTS = ['library', 'library-lean', 'library-unmonitored', 'plain', 'matched'];
const [variant, countText] = process.argv.slice(2);
const count = Number(countText);
if (!VARIANTS.includes(variant) || !Number.isInteger(count) || count < 1) {
  console.error(`usage: synth-app.ts <${VARIANTS.join('|')}> <N>`);
  process.exit(2);
}

/**
 * What one Serverless Application Repository rotation app deploys in its nested stack: the rotation function, its
 * role, and the permission for Secrets Manager to invoke it. AWS: "the templates create a stack that consists of the
 * Lambda function and an IAM role" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_available-rotation-templates.html),
 * plus the function's invoke permission (the SAR templates' `AWS::Lambda::Permission`).
 */
const NESTED_RESOURCES_PER_SAR_APP = 3;

const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const env = { account: '111111111111', region: 'eu-west-1' };

const cpuBefore = process.cpuUsage();
const started = performance.now();
const app = new App({ outdir: `bench/.tmp/${variant}-${count}-${process.pid}` });
app.node.setContext(`availability-zones:account=${env.account}:region=${env.region}`, ['eu-west-1a', 'eu-west-1b']);
// CloudFormation allows 500 resources per stack, so large N is spread over stacks of at most PER_STACK databases,
// each with its own VPC (and, for the library, its own shared rotation function). The same for every variant.
// BENCH_PER_STACK changes it (bench/synth.ts synthesizes the largest N that fits one stack).
const PER_STACK = Number(process.env.BENCH_PER_STACK ?? 25);
const stacks: Stack[] = [];
for (let i = 0; i < count; i++) {
  if (i % PER_STACK === 0) {
    const stack = new Stack(app, `Bench${stacks.length}`, { env });
    new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    if (variant === 'matched') new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
    stacks.push(stack);
  }
  const stack = stacks[stacks.length - 1];
  const vpc = stack.node.findChild('Vpc') as ec2.Vpc;
  if (variant === 'library') {
    new RotatedDatabase(stack, `Db${i}`, { vpc, engine });
  } else if (variant === 'library-lean') {
    new RotatedDatabase(stack, `Db${i}`, { vpc, engine, encryptionKey: SecretsKey.forStack(stack) });
  } else if (variant === 'library-unmonitored') {
    new RotatedDatabase(stack, `Db${i}`, { vpc, engine, monitoring: { enabled: false } });
  } else {
    const vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    let credentials = rds.Credentials.fromGeneratedSecret('dbadmin');
    let storageEncryptionKey: kms.IKey | undefined;
    if (variant === 'matched') {
      storageEncryptionKey = new kms.Key(stack, `Key${i}`, { enableKeyRotation: true });
      const secret = new rds.DatabaseSecret(stack, `Secret${i}`, { username: 'dbadmin', encryptionKey: storageEncryptionKey });
      const reader = stack.node.findChild('Reader') as iam.Role;
      secret.addToResourcePolicy(new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { StringNotEquals: { 'aws:PrincipalArn': reader.roleArn } },
      }));
      secret.grantRead(reader);
      credentials = rds.Credentials.fromSecret(secret);
    }
    const db = new rds.DatabaseInstance(stack, `Db${i}`, { vpc, engine, vpcSubnets, credentials, storageEncryptionKey });
    db.addRotationSingleUser();
  }
}
const assembly = app.synth();
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);

const templates = stacks.map(stack => assembly.getStackByName(stack.stackName).template);
const resources = templates.flatMap(template => Object.values<{ Type: string }>(template.Resources));
const serverlessApplications = resources.filter(r => r.Type === 'AWS::Serverless::Application').length;
const perStack = templates.map(template => Object.keys(template.Resources).length
  + NESTED_RESOURCES_PER_SAR_APP * Object.values<{ Type: string }>(template.Resources).filter(r => r.Type === 'AWS::Serverless::Application').length);
console.log(JSON.stringify({
  variant,
  count,
  synthMs: elapsedMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  heapMb: process.memoryUsage().heapUsed / 2 ** 20,
  rssMb: process.memoryUsage().rss / 2 ** 20,
  // In the templates; the SAR apps' nested stacks are one resource each here.
  topLevelResources: resources.length,
  // What CloudFormation deploys: the nested stacks' contents too.
  resources: resources.length + NESTED_RESOURCES_PER_SAR_APP * serverlessApplications,
  largestStackResources: Math.max(...perStack),
  lambdaFunctions: resources.filter(r => r.Type === 'AWS::Lambda::Function').length + serverlessApplications,
  serverlessApplications,
  stacks: stacks.length,
  templateBytes: templates.reduce((sum, template) => sum + JSON.stringify(template).length, 0),
}));
