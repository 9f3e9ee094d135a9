// One measurement in a fresh process: build and synthesize an app with N rotated databases, either with this
// library or the way aws-cdk-lib documents it, and print what it cost as JSON.
// Usage: ts-node bench/synth-app.ts <library|baseline> <N>
import { performance } from 'perf_hooks';
import { App, Stack, aws_ec2 as ec2, aws_rds as rds } from 'aws-cdk-lib';
import { RotatedDatabase } from '../src';

const [variant, countText] = process.argv.slice(2);
const count = Number(countText);
if (!['library', 'baseline'].includes(variant) || !Number.isInteger(count) || count < 1) {
  console.error('usage: synth-app.ts <library|baseline> <N>');
  process.exit(2);
}

const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const env = { account: '111111111111', region: 'eu-west-1' };

const started = performance.now();
const app = new App({ outdir: `bench/.tmp/${variant}-${count}-${process.pid}` });
app.node.setContext(`availability-zones:account=${env.account}:region=${env.region}`, ['eu-west-1a', 'eu-west-1b']);
// CloudFormation allows 500 resources per stack, so large N is spread over stacks of at most PER_STACK databases,
// each with its own VPC (and, for the library, its own shared rotation function).
const PER_STACK = 25;
const stacks: Stack[] = [];
for (let i = 0; i < count; i++) {
  if (i % PER_STACK === 0) {
    const stack = new Stack(app, `Bench${stacks.length}`, { env });
    new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    stacks.push(stack);
  }
  const stack = stacks[stacks.length - 1];
  const vpc = stack.node.findChild('Vpc') as ec2.Vpc;
  if (variant === 'library') {
    new RotatedDatabase(stack, `Db${i}`, { vpc, engine });
  } else {
    // aws-cdk-lib's documented way: a generated secret and single-user rotation by the hosted (SAR) function.
    const db = new rds.DatabaseInstance(stack, `Db${i}`, {
      vpc,
      engine,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromGeneratedSecret('dbadmin'),
    });
    db.addRotationSingleUser();
  }
}
const assembly = app.synth();
const elapsedMs = performance.now() - started;

const templates = stacks.map(stack => assembly.getStackByName(stack.stackName).template);
const resources = templates.flatMap(template => Object.values<{ Type: string }>(template.Resources));
console.log(JSON.stringify({
  variant,
  count,
  synthMs: elapsedMs,
  heapMb: process.memoryUsage().heapUsed / 2 ** 20,
  rssMb: process.memoryUsage().rss / 2 ** 20,
  resources: resources.length,
  lambdaFunctions: resources.filter(r => r.Type === 'AWS::Lambda::Function').length,
  serverlessApplications: resources.filter(r => r.Type === 'AWS::Serverless::Application').length,
  stacks: stacks.length,
  templateBytes: templates.reduce((sum, template) => sum + JSON.stringify(template).length, 0),
}));
