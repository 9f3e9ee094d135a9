// What each rotated database adds to its stack, monitoring on: the databases of a stack share what they can (subnet
// group per VPC and subnets, the rotation function's targets security group, parameter group per engine family and
// settings, option group per engine and options), so a stack holds at least 49 of them under CloudFormation's
// 500-resource limit.
import { App, Stack, aws_ec2 as ec2, aws_rds as rds } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RotatedAuroraCluster, RotatedDatabase } from '../src';

const postgres17 = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const postgres16 = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16_10 });
const mariadb = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 });
const auroraPostgres = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 });

/** What a stack deployed with an earlier version keeps: one DB subnet group per database (see README, "Footprint"). */
const OWN_SUBNET_GROUPS = { 'cdk-protected-secrets:shareDbSubnetGroups': false };

function setup(context: Record<string, unknown> = {}) {
  const stack = new Stack(new App({ context }), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [
      { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      { name: 'other', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  return { stack, vpc };
}
const resources = (stack: Stack) => Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>);
const count = (stack: Stack, type?: string) => resources(stack).filter(resource => !type || resource.Type === type).length;

/** The resources, by type, that `more` databases add to a stack that has one (so the shared ones exist). */
function addedByType(more: number, context: Record<string, unknown> = {}): Record<string, number> {
  const build = (databases: number) => {
    const { stack, vpc } = setup(context);
    for (let i = 0; i < databases; i++) new RotatedDatabase(stack, `Db${i}`, { vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'db' } });
    return resources(stack);
  };
  const added: Record<string, number> = {};
  for (const { Type } of build(1 + more)) added[Type] = (added[Type] ?? 0) + 1;
  for (const { Type } of build(1)) added[Type] -= 1;
  return Object.fromEntries(Object.entries(added).filter(([, n]) => n !== 0));
}

test('with the defaults, each rotated PostgreSQL database adds 9 resources of its own (monitoring on)', () => {
  // Its own: secret, resource policy, key, alias, the attachment that writes the host into the secret, instance,
  // security group, the invoke permission scoped to its secret, the rotation schedule. Shared: the DB subnet group,
  // the rotation function's targets group with one rule pair per port, the parameter and option groups.
  expect(addedByType(2)).toEqual({
    'AWS::SecretsManager::Secret': 2,
    'AWS::SecretsManager::ResourcePolicy': 2,
    'AWS::KMS::Key': 2,
    'AWS::KMS::Alias': 2,
    'AWS::SecretsManager::SecretTargetAttachment': 2,
    'AWS::RDS::DBInstance': 2,
    'AWS::EC2::SecurityGroup': 2,
    'AWS::Lambda::Permission': 2,
    'AWS::SecretsManager::RotationSchedule': 2,
  });
});

test('with the defaults, 49 rotated databases (each with its own key, monitoring on) fit in one stack with their VPC', () => {
  // The bench's stack: a VPC of two zones with one isolated subnet each (7 resources; a VPC of three zones and two
  // subnet groups takes 19). Past 36 secrets, the VPC's second rotation function serves the next databases
  // (Lambda's 20 KB policy, test/policy-quotas.test.ts): 3 resources more.
  const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  for (let i = 0; i < 49; i++) new RotatedDatabase(stack, `Db${i}`, { vpc, engine: postgres17 });
  expect(count(stack, 'AWS::Lambda::Function')).toBe(2);
  expect(count(stack)).toBeLessThanOrEqual(500);
});

test('with `shareDbSubnetGroups: false`, each database adds its own subnet group besides', () => {
  expect(addedByType(2, OWN_SUBNET_GROUPS)['AWS::RDS::DBSubnetGroup']).toBe(2);
});

test('by default, databases and clusters of one VPC and subnets share a subnet group; other subnets get their own', () => {
  const { stack, vpc } = setup();
  new RotatedDatabase(stack, 'A', { vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'db' } });
  new RotatedDatabase(stack, 'B', { vpc, engine: mariadb, vpcSubnets: { subnetGroupName: 'db' } });
  new RotatedAuroraCluster(stack, 'C', { vpc, engine: auroraPostgres, vpcSubnets: { subnetGroupName: 'db' } });
  new RotatedDatabase(stack, 'D', { vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'other' } });
  expect(count(stack, 'AWS::RDS::DBSubnetGroup')).toBe(2);
  const t = Template.fromStack(stack);
  const groups = Object.keys(t.findResources('AWS::RDS::DBSubnetGroup'));
  // An Aurora cluster's instances take the cluster's subnet group.
  const instances = Object.values(t.findResources('AWS::RDS::DBInstance')).filter(db => !db.Properties.DBClusterIdentifier);
  const users = [...instances, ...Object.values(t.findResources('AWS::RDS::DBCluster'))].map(db => db.Properties.DBSubnetGroupName?.Ref);
  expect(new Set(users)).toEqual(new Set(groups));
});

// DBSubnetGroupName and DBClusterIdentifier's subnet group are replaced-on-change properties: a shared group named by
// the subnets it holds today would become a new group when the VPC gains a zone or a subnet, and every database
// using it a new, empty one. The group (and the shared rotation function) is named by the selection instead, and its
// SubnetIds change in place. Likewise for a VPC looked up again (new subnet IDs, same selection).
test('adding a zone to the VPC keeps every database\'s subnet group and the shared rotation function: only their subnets change', () => {
  const synth = (maxAzs: number) => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
    stack.node.setContext('availability-zones:account=123456789012:region=us-east-1', ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new RotatedDatabase(stack, 'Orders', { vpc, engine: postgres17 });
    new RotatedAuroraCluster(stack, 'Ledger', { vpc, engine: auroraPostgres });
    const t = Template.fromStack(stack);
    const groups = Object.entries(t.findResources('AWS::RDS::DBSubnetGroup'));
    const functions = Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
    return {
      groupIds: groups.map(([id]) => id),
      subnetCount: groups.map(([, group]) => group.Properties.SubnetIds.length),
      instance: Object.values(t.findResources('AWS::RDS::DBInstance')).find(db => !db.Properties.DBClusterIdentifier)!.Properties.DBSubnetGroupName,
      cluster: Object.values(t.findResources('AWS::RDS::DBCluster'))[0].Properties.DBSubnetGroupName,
      functions,
    };
  };
  const two = synth(2);
  const three = synth(3);
  expect(two.subnetCount).toEqual([2]);
  expect(three.subnetCount).toEqual([3]);
  expect(three.groupIds).toEqual(two.groupIds);
  expect(three.instance).toEqual(two.instance);
  expect(three.cluster).toEqual(two.cluster);
  expect(two.functions.length).toBeGreaterThan(0);
  expect(three.functions).toEqual(two.functions);
});

// The names deployed stacks hold: a change to how they are derived renames the group (replacing every database in
// it) and the function. Pinned for the bench's VPC shape, in one stack and for a database of another stack.
test('the shared subnet group and rotation function keep their logical IDs', () => {
  const app = new App();
  const network = new Stack(app, 'Network', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(network, 'Vpc', { natGateways: 0, maxAzs: 2, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const own = new RotatedDatabase(network, 'Orders', { vpc, engine: postgres17 });
  const other = new RotatedDatabase(new Stack(app, 'Billing', { env: { account: '123456789012', region: 'us-east-1' } }), 'Invoices', { vpc, engine: postgres17 });
  const ids = (stack: Stack) => Object.keys(Template.fromStack(stack).toJSON().Resources).filter(id => /^(ProtectedSecretsDbSubnets|RotationFunction[0-9A-F]{8}Function[0-9A-F]{8}$)/.test(id)).sort();
  expect(own.rotationFunction.node.id).toEqual('RotationFunction56CE7C32');
  expect(other.rotationFunction.node.id).toEqual('RotationFunctionE9F6850C');
  // Billing's function lives in the network stack too.
  expect(ids(network)).toEqual(['ProtectedSecretsDbSubnets806A6709', 'RotationFunction56CE7C32FunctionA4F7D2FF', 'RotationFunctionE9F6850CFunction611E739D']);
  expect(ids(Stack.of(other))).toEqual(['ProtectedSecretsDbSubnets806A6709']);
});

// A stack deployed with an earlier version: moving its databases to the shared group would replace them.
for (const optOut of [false, 'false']) {
  test(`with \`shareDbSubnetGroups: ${JSON.stringify(optOut)}\`, each database and cluster keeps its own subnet group, as aws-cdk-lib named it`, () => {
    const { stack, vpc } = setup({ 'cdk-protected-secrets:shareDbSubnetGroups': optOut });
    const a = new RotatedDatabase(stack, 'A', { vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'db' } });
    new RotatedDatabase(stack, 'B', { vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'db' } });
    const c = new RotatedAuroraCluster(stack, 'C', { vpc, engine: auroraPostgres, vpcSubnets: { subnetGroupName: 'db' } });
    expect(count(stack, 'AWS::RDS::DBSubnetGroup')).toBe(3);
    // The constructs aws-cdk-lib created before: same paths, same logical IDs, so DBSubnetGroupName is unchanged.
    expect(a.instance.node.tryFindChild('SubnetGroup')).toBeDefined();
    expect(c.cluster.node.tryFindChild('Subnets')).toBeDefined();
  });
}

test('a parameter group per engine family and settings, an option group per engine and options', () => {
  const { stack, vpc } = setup();
  new RotatedDatabase(stack, 'A', { vpc, engine: postgres17 });
  new RotatedDatabase(stack, 'B', { vpc, engine: postgres17 });
  new RotatedDatabase(stack, 'C', { vpc, engine: postgres16 });
  new RotatedDatabase(stack, 'D', { vpc, engine: mariadb });
  new RotatedDatabase(stack, 'E', { vpc, engine: mariadb });
  new RotatedAuroraCluster(stack, 'F', { vpc, engine: auroraPostgres });
  new RotatedAuroraCluster(stack, 'G', { vpc, engine: auroraPostgres });
  // postgres17, postgres16, mariadb11.4
  expect(count(stack, 'AWS::RDS::DBParameterGroup')).toBe(3);
  expect(count(stack, 'AWS::RDS::DBClusterParameterGroup')).toBe(1);
  expect(count(stack, 'AWS::RDS::OptionGroup')).toBe(1);
  const t = Template.fromStack(stack);
  t.resourcePropertiesCountIs('AWS::RDS::DBParameterGroup', { Family: 'postgres17', Parameters: { 'rds.force_ssl': '1' } }, 1);
});
