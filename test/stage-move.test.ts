// A deployed stack moved into a `Stage` (as CDK Pipelines needs), or whose construct id is renamed, each with its
// `stackName` kept: aws-cdk-lib's own resources keep their logical IDs (they are named by the path below the stack),
// so the library's shared resources must too, or the database's DBSubnetGroupName changes, which CloudFormation
// carries out by replacing the instance with an empty one ("Update requires: Replacement",
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbinstance.html).
// The context key `cdk-protected-secrets:stackRelativeNames` gives that; it is off by default, since a stack already
// deployed inside a Stage was named by its full path (README "Changes a deployed database cannot take").
import { App, Stack, Stage, aws_ec2 as ec2, aws_rds as rds, aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { CHECKED_APPS } from './checked-apps';
import { RotatedDatabase, SecretMonitoring } from '../src';

const env = { account: '111111111111', region: 'eu-west-1' };
const ZONES = { 'availability-zones:account=111111111111:region=eu-west-1': ['eu-west-1a', 'eu-west-1b'] };
const FLAG = 'cdk-protected-secrets:stackRelativeNames';

function build(scope: Construct, stackId: string, stackName?: string): Stack {
  const stack = new Stack(scope, stackId, { env, stackName });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
  const topic = new sns.Topic(stack, 'Alerts');
  SecretMonitoring.forStack(stack, { alertTopic: topic });
  new RotatedDatabase(stack, 'Orders', { vpc, engine });
  new RotatedDatabase(stack, 'Billing', { vpc, engine, username: 'billing_app', superuserSecret: undefined });
  return stack;
}

/** Every resource of the stack by logical ID, with what a replacement turns on for the databases. */
function shape(stack: Stack) {
  const resources: Record<string, any> = Template.fromStack(stack).toJSON().Resources;
  return {
    ids: Object.entries(resources).map(([id, r]) => `${r.Type} ${id}`).sort(),
    databases: Object.fromEntries(Object.entries(resources).filter(([, r]) => r.Type === 'AWS::RDS::DBInstance').map(([id, r]) => [id, r.Properties])),
  };
}

/** A network stack with the VPC (and so the shared rotation function and its endpoint) and a data stack using it. */
function buildTwo(scope: Construct, ids: [string, string], names: [string?, string?] = []): Stack[] {
  const network = new Stack(scope, ids[0], { env, stackName: names[0] });
  const vpc = new ec2.Vpc(network, 'Vpc', {
    maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const data = new Stack(scope, ids[1], { env, stackName: names[1] });
  new RotatedDatabase(data, 'Orders', { vpc, engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }) });
  return [network, data];
}

function app(stackRelativeNames: boolean | undefined) {
  return new App({ context: { ...ZONES, ...(stackRelativeNames === undefined ? {} : { [FLAG]: stackRelativeNames }) } });
}

describe.each([true, 'true'])('with cdk-protected-secrets:stackRelativeNames = %p', flag => {
  const flagged = () => new App({ context: { ...ZONES, [FLAG]: flag } });

  test('a stack moved into a Stage with its stackName kept keeps every logical ID and its databases\' properties', () => {
    const atRoot = shape(build(flagged(), 'Data'));
    const inStage = shape(build(new Stage(flagged(), 'Prod', { env }), 'Data', 'Data'));
    expect(inStage.ids).toEqual(atRoot.ids);
    expect(inStage.databases).toEqual(atRoot.databases);
  });

  test('a network stack and a data stack moved into a Stage, or renamed, with their stackNames kept, keep every logical ID', () => {
    const atRoot = buildTwo(flagged(), ['Network', 'Data']).map(shape);
    const inStage = buildTwo(new Stage(flagged(), 'Prod', { env }), ['Network', 'Data'], ['Network', 'Data']).map(shape);
    const renamed = buildTwo(flagged(), ['NetV2', 'DataV2'], ['Network', 'Data']).map(shape);
    expect(inStage).toEqual(atRoot);
    expect(renamed).toEqual(atRoot);
  });

  test('a stack whose construct id is renamed, with its stackName kept, keeps every logical ID and its databases\' properties', () => {
    const before = shape(build(flagged(), 'Data'));
    const renamed = shape(build(flagged(), 'DataV2', 'Data'));
    expect(renamed.ids).toEqual(before.ids);
    expect(renamed.databases).toEqual(before.databases);
  });
});

test('switching the key on changes nothing in an app whose stacks are at its root under their own ids: every checked app', () => {
  for (const [name, buildApp] of CHECKED_APPS) {
    const off = buildApp(app(undefined)).map(s => Template.fromStack(s).toJSON());
    const on = buildApp(app(true)).map(s => Template.fromStack(s).toJSON());
    expect({ name, templates: on }).toEqual({ name, templates: off });
  }
});

test('without the key (the default), a move into a Stage names the shared DB subnet group anew: the hazard the README names', () => {
  const atRoot = shape(build(app(undefined), 'Data'));
  const inStage = shape(build(new Stage(app(undefined), 'Prod', { env }), 'Data', 'Data'));
  const subnetGroups = (s: typeof atRoot) => s.ids.filter(id => id.startsWith('AWS::RDS::DBSubnetGroup'));
  expect(subnetGroups(inStage)).not.toEqual(subnetGroups(atRoot));
  expect(inStage.databases).not.toEqual(atRoot.databases);
});
