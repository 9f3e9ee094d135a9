// The rotation function reaches the databases of a stack through one "rotation targets" security group per function
// and stack, instead of a rule pair per database. What a person worries about: a user who opens one database to an
// app (`db.connections.allowDefaultPortFrom(app)`) opens every database of the stack; databases of the group reach
// each other through it; a custom port is not allowed; an Aurora cluster rotated through the Data API is opened on
// the network; a function in a network stack no longer serves databases of other stacks, or makes a cycle.
import { App, CfnElement, RemovalPolicy, Stack, aws_ec2 as ec2, aws_rds as rds } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct, IConstruct } from 'constructs';
import { buildMultiStackApp } from '../examples/multi-stack-app';
import { ProtectedSecret, RotatedAuroraCluster, RotatedDatabase, RotationFunction } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const mariadb = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 });
const auroraPostgres = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 });

type Resource = { Type: string; Properties?: any };

function isolatedVpc(stack: Stack) {
  return new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}
const id = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const groupOf = (rule: Resource) => rule.Properties.GroupId?.['Fn::GetAtt']?.[0];
const sourceOf = (rule: Resource) => JSON.stringify(rule.Properties.SourceSecurityGroupId ?? rule.Properties.DestinationSecurityGroupId);
const ofType = (template: Template, type: string) => Object.entries(template.findResources(type)) as [string, Resource][];
/** The security groups an instance is placed in, by logical ID. */
const instanceGroups = (db: RotatedDatabase) => {
  const t = Template.fromStack(Stack.of(db));
  return (t.toJSON().Resources[id(db.instance)].Properties.VPCSecurityGroups as any[]).map(g => g['Fn::GetAtt'][0]);
};
/** The rotation targets group of a database: the one group its instance is in besides its own. */
function targetsGroupOf(db: RotatedDatabase): string {
  const own = db.connections.securityGroups.map(id);
  const extra = instanceGroups(db).filter(g => !own.includes(g));
  expect(extra).toHaveLength(1);
  return extra[0];
}

describe('one rotation targets group per function and stack', () => {
  function stackWithDatabases() {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const vpc = isolatedVpc(stack);
    const a = new RotatedDatabase(stack, 'A', { vpc, engine: postgres });
    const b = new RotatedDatabase(stack, 'B', { vpc, engine: postgres });
    const c = new RotatedDatabase(stack, 'C', { vpc, engine: postgres, port: 15432 });
    const d = new RotatedDatabase(stack, 'D', { vpc, engine: mariadb });
    return { stack, vpc, a, b, c, d, get t() { return Template.fromStack(stack); } };
  }

  test('every database is placed in its own group and in one shared targets group', () => {
    const { a, b, c, d } = stackWithDatabases();
    const targets = targetsGroupOf(a);
    for (const db of [a, b, c, d]) {
      expect(instanceGroups(db)).toEqual([...db.connections.securityGroups.map(id), targets]);
    }
    expect(a.rotationFunction).toBe(d.rotationFunction);
  });

  test('one ingress from the function and one egress of the function per distinct port, none per database', () => {
    const { a, t } = stackWithDatabases();
    const targets = targetsGroupOf(a);
    const fnGroup = id(a.rotationFunction.connections.securityGroups[0]);
    const ingress = ofType(t, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r).filter(r => groupOf(r) === targets);
    expect(ingress.map(r => r.Properties.FromPort).sort((x, y) => x - y)).toEqual([3306, 5432, 15432]);
    for (const r of ingress) {
      expect(r.Properties.ToPort).toBe(r.Properties.FromPort);
      expect(sourceOf(r)).toContain(fnGroup);
    }
    const egress = ofType(t, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r).filter(r => groupOf(r) === fnGroup && sourceOf(r).includes(targets));
    expect(egress.map(r => r.Properties.FromPort).sort((x, y) => x - y)).toEqual([3306, 5432, 15432]);
    // Nothing opens a database's own group to the function: the targets group does it.
    const ownGroups = [a].flatMap(db => db.connections.securityGroups.map(id));
    expect(ofType(t, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => ownGroups.includes(groupOf(r)))).toEqual([]);
  });

  test('databases in the targets group cannot reach each other through it: it admits only the function, and lets nothing out', () => {
    const { a, t } = stackWithDatabases();
    const targets = targetsGroupOf(a);
    const fnGroup = id(a.rotationFunction.connections.securityGroups[0]);
    const group = t.toJSON().Resources[targets] as Resource;
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    // aws-cdk-lib's placeholder for "no outbound traffic" (255.255.255.255/32, ICMP 252/86).
    expect(group.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '255.255.255.255/32', IpProtocol: 'icmp' })]);
    const rulesOnTargets = ofType(t, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r).filter(r => groupOf(r) === targets);
    for (const r of rulesOnTargets) {
      expect(sourceOf(r)).toContain(fnGroup);
      expect(sourceOf(r)).not.toContain(targets);
      expect(r.Properties.CidrIp).toBeUndefined();
    }
    expect(ofType(t, 'AWS::EC2::SecurityGroupEgress').filter(([, r]) => groupOf(r) === targets)).toEqual([]);
  });

  test('a user who opens one database to an app opens neither the targets group nor the other databases', () => {
    const { stack, vpc, a, b } = stackWithDatabases();
    const app = new ec2.SecurityGroup(stack, 'App', { vpc, allowAllOutbound: false });
    a.connections.allowDefaultPortFrom(app, 'app to A');
    a.instance.connections.allowDefaultPortFrom(app, 'app to A through the instance');
    const t = Template.fromStack(stack);
    const targets = targetsGroupOf(a);
    const appId = id(app);
    const openedToApp = ofType(t, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r).filter(r => sourceOf(r).includes(appId)).map(groupOf);
    expect(openedToApp.length).toBeGreaterThan(0);
    expect(openedToApp).not.toContain(targets);
    // B shares the targets group with A: none of B's groups admits the app.
    for (const group of instanceGroups(b)) expect(openedToApp).not.toContain(group);
    // The app's egress names A's own group only.
    const appEgress = ofType(t, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r).filter(r => groupOf(r) === appId);
    for (const r of appEgress) expect(sourceOf(r)).not.toContain(targets);
    // Both of A's views of its network rules hold its own group only.
    expect(a.connections.securityGroups.map(id)).toEqual(instanceGroups(a).filter(g => g !== targets));
    expect(a.instance.connections.securityGroups.map(id)).toEqual(instanceGroups(a).filter(g => g !== targets));
  });

  test('the first rotation waits for the network path: each schedule depends on the targets group\'s rules', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const vpc = isolatedVpc(stack);
    const admin = new ProtectedSecret(stack, 'Admin', {
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password', excludeCharacters: '/"@' },
    });
    const db = new RotatedDatabase(stack, 'A', { vpc, engine: mariadb, superuserSecret: admin });
    const t = Template.fromStack(stack);
    const targets = targetsGroupOf(db);
    const ingress = ofType(t, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => groupOf(r) === targets).map(([logicalId]) => logicalId);
    expect(ingress).toHaveLength(1);
    for (const schedule of [db.rotationSchedule, db.superuserRotationSchedule!]) {
      expect(t.toJSON().Resources[id(schedule)].DependsOn).toEqual(expect.arrayContaining([targets, ...ingress]));
    }
  });

  test('a retained database keeps the targets group it is in, as it keeps the shared subnet group', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const vpc = isolatedVpc(stack);
    const kept = new RotatedDatabase(stack, 'Kept', { vpc, engine: postgres, removalPolicy: RemovalPolicy.RETAIN });
    const t = Template.fromStack(stack);
    // CloudFormation could not delete a group that the retained instance still uses.
    expect(t.toJSON().Resources[targetsGroupOf(kept)].DeletionPolicy).toBe('Retain');
  });

  test('a database whose function is given joins that function\'s targets group; the shared function has its own', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const vpc = isolatedVpc(stack);
    const own = new RotationFunction(stack, 'Own', { vpc });
    const a = new RotatedDatabase(stack, 'A', { vpc, engine: postgres, rotationFunction: own });
    const b = new RotatedDatabase(stack, 'B', { vpc, engine: postgres });
    const c = new RotatedDatabase(stack, 'C', { vpc, engine: postgres, rotationFunction: own });
    expect(targetsGroupOf(a)).toBe(targetsGroupOf(c));
    expect(targetsGroupOf(b)).not.toBe(targetsGroupOf(a));
  });

  test('an Aurora cluster rotated through the Data API joins no targets group and gets no rule', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const vpc = isolatedVpc(stack);
    const ledger = new RotatedAuroraCluster(stack, 'Ledger', { vpc, engine: auroraPostgres });
    const t = Template.fromStack(stack);
    const cluster = t.toJSON().Resources[id(ledger.cluster)] as Resource;
    expect(cluster.Properties.VpcSecurityGroupIds.map((g: any) => g['Fn::GetAtt'][0])).toEqual(ledger.connections.securityGroups.map(id));
    const fnGroup = id(ledger.rotationFunction.connections.securityGroups[0]);
    // The function's only rules lead to the endpoints (443).
    const fnEgress = ofType(t, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r).filter(r => groupOf(r) === fnGroup);
    expect(fnEgress.map(r => r.Properties.FromPort)).toEqual(fnEgress.map(() => 443));
  });

  test('RotationFunction.allowConnectionsTo still opens a database of the user\'s own on its port', () => {
    const stack = new Stack(new App(), 'Data', { env: ENV });
    const vpc = isolatedVpc(stack);
    const fn = new RotationFunction(stack, 'Rotation', { vpc });
    const mine = new rds.DatabaseInstance(stack, 'Mine', { vpc, engine: postgres, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });
    fn.allowConnectionsTo(mine);
    const t = Template.fromStack(stack);
    const rules = ofType(t, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r).filter(r => groupOf(r) === id(mine.connections.securityGroups[0]));
    expect(rules).toHaveLength(1);
    expect(sourceOf(rules[0])).toContain(id(fn.connections.securityGroups[0]));
  });
});

describe('a function in the network stack serving databases of two other stacks', () => {
  const app = new App();
  const built = buildMultiStackApp(app, ENV);
  const assembly = app.synth();
  const template = (stack: Stack) => Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);

  test('each database stack has its own targets group with the rules for its ports, written in that stack', () => {
    const fnGroup = id(built.rotation.connections.securityGroups[0]);
    for (const [db, port] of [[built.orders, 15432], [built.invoices, 13306]] as const) {
      const t = template(Stack.of(db));
      const targets = targetsGroupOf(db);
      expect(Object.keys(t.findResources('AWS::EC2::SecurityGroup'))).toContain(targets);
      const ingress = ofType(t, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r).filter(r => groupOf(r) === targets);
      expect(ingress).toEqual([expect.objectContaining({ Properties: expect.objectContaining({ FromPort: port, ToPort: port }) })]);
      // The source is the network stack's function group, imported.
      expect(sourceOf(ingress[0])).toContain('Fn::ImportValue');
      expect(sourceOf(ingress[0])).toContain(fnGroup);
      // The function's egress to it is written here too, naming the imported function group.
      const egress = ofType(t, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r)
        .filter(r => JSON.stringify(r.Properties.GroupId).includes(fnGroup) && sourceOf(r).includes(targets));
      expect(egress.map(r => r.Properties.FromPort)).toEqual([port]);
    }
    // The network stack names no database's group.
    const network = JSON.stringify(template(built.network).toJSON());
    expect(network).not.toContain('Fn::ImportValue');
    expect(ofType(template(built.network), 'AWS::EC2::SecurityGroupEgress').filter(([, r]) => r.Properties.FromPort !== 443)).toEqual([]);
  });

  test('the stacks still deploy Network first, then the database stacks: no cycle', () => {
    const deps = (s: Stack) => assembly.getStackArtifact(s.artifactId).dependencies.map(d => d.id).filter(d => !d.endsWith('.assets')).sort();
    expect(deps(built.network)).toEqual([]);
    expect(deps(built.data)).toEqual(['Apps', 'Network']);
    expect(deps(built.billing)).toEqual(['Network']);
  });

  test('each database admits the function only through the targets group of its stack', () => {
    for (const db of [built.orders, built.invoices]) {
      const t = template(Stack.of(db));
      const own = db.connections.securityGroups.map(id);
      expect(ofType(t, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => own.includes(groupOf(r)))).toEqual([]);
    }
  });
});

describe('descriptions EC2 accepts', () => {
  // EC2 takes a security group's description and a rule's description only up to 255 characters, from
  // a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=;{}!$* (a group's also '&'); CloudFormation fails the create otherwise:
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html,
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html
  const EC2_DESCRIPTION = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=;{}!$*]{0,255}$/;

  test('a rotation function deep in an app (a pipeline stage, nested constructs) or with an id EC2 refuses still deploys its targets group', () => {
    const app = new App();
    const stack = new Stack(app, 'Data', { env: ENV });
    const vpc = isolatedVpc(stack);
    let scope: Construct = stack;
    for (const name of ['PlatformDatabasesForTheOrderingAndBillingServices', 'SharedRotationInfrastructureOfTheProductionEnvironment', 'CredentialsRotation']) {
      scope = new Construct(scope, name);
    }
    const rotationFunction = new RotationFunction(scope, "Rotation function for Zoë's databases", { vpc });
    new RotatedDatabase(stack, 'Orders', { vpc, engine: postgres, rotationFunction });
    const t = Template.fromStack(stack);
    const descriptions: string[] = [];
    for (const [, group] of ofType(t, 'AWS::EC2::SecurityGroup')) {
      const p = group.Properties;
      if (/rotat/i.test(p.GroupDescription)) descriptions.push(p.GroupDescription);
      const inline = [...(p.SecurityGroupIngress ?? []), ...(p.SecurityGroupEgress ?? [])];
      for (const rule of inline) if (rule.Description) descriptions.push(rule.Description);
    }
    for (const type of ['AWS::EC2::SecurityGroupIngress', 'AWS::EC2::SecurityGroupEgress']) {
      for (const [, rule] of ofType(t, type)) if (rule.Properties.Description) descriptions.push(rule.Properties.Description);
    }
    expect(descriptions.length).toBeGreaterThan(0);
    expect(descriptions.filter(d => !EC2_DESCRIPTION.test(d))).toEqual([]);
  });
});
