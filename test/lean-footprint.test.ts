// What each rotated database adds to its stack, monitoring on: the databases of a stack share what they can (subnet
// group per VPC and subnets, parameter group per engine family and settings, option group per engine and options),
// so a stack holds at least 49 of them under CloudFormation's 500-resource limit.
import { App, Stack, aws_ec2 as ec2, aws_rds as rds } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RotatedAuroraCluster, RotatedDatabase } from '../src';

const postgres17 = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const postgres16 = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16_10 });
const mariadb = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 });
const auroraPostgres = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 });

const SHARE_SUBNET_GROUPS = { 'cdk-protected-secrets:shareDbSubnetGroups': true };

function setup(context: Record<string, unknown> = SHARE_SUBNET_GROUPS) {
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
const count = (stack: Stack, type?: string) => Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>)
  .filter(resource => !type || resource.Type === type).length;

test('each rotated PostgreSQL database adds at most 11 resources, its own key included (monitoring on, subnet groups shared)', () => {
  const one = setup();
  new RotatedDatabase(one.stack, 'Db0', { vpc: one.vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'db' } });
  const many = setup();
  for (let i = 0; i < 40; i++) new RotatedDatabase(many.stack, `Db${i}`, { vpc: many.vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'db' } });
  // Its own: key, alias, secret, resource policy, attachment, security group, ingress, instance, invoke permission,
  // rotation schedule, the function's egress. Shared: subnet (opted in here), parameter and option groups.
  // With SecretsKey: 9 (test/secrets-key.test.ts).
  expect((count(many.stack) - count(one.stack)) / 39).toBeLessThan(11.5);
});

test('databases of one VPC and subnets share a subnet group; other subnets get their own', () => {
  const { stack, vpc } = setup();
  new RotatedDatabase(stack, 'A', { vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'db' } });
  new RotatedDatabase(stack, 'B', { vpc, engine: mariadb, vpcSubnets: { subnetGroupName: 'db' } });
  new RotatedAuroraCluster(stack, 'C', { vpc, engine: auroraPostgres, vpcSubnets: { subnetGroupName: 'db' } });
  new RotatedDatabase(stack, 'D', { vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'other' } });
  expect(count(stack, 'AWS::RDS::DBSubnetGroup')).toBe(2);
});

test('without the opt-in, each database keeps its own subnet group: a deployed database is not replaced by the upgrade', () => {
  const { stack, vpc } = setup({});
  const db = new RotatedDatabase(stack, 'A', { vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'db' } });
  new RotatedDatabase(stack, 'B', { vpc, engine: postgres17, vpcSubnets: { subnetGroupName: 'db' } });
  expect(count(stack, 'AWS::RDS::DBSubnetGroup')).toBe(2);
  // The logical ID aws-cdk-lib gave it before: unchanged, so the instance's DBSubnetGroupName is too.
  expect(db.instance.node.tryFindChild('SubnetGroup')).toBeDefined();
});

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
