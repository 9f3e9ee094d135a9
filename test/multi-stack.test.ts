// A platform team's layout: the VPC and one rotation function in a Network stack, databases in Data and Billing
// stacks, services in an Apps stack. What a person worries about: the app does not synthesize (a cyclic reference
// between the function's stack and the secrets' stacks), the library changes the VPC's DNS for every other
// workload, a second endpoint per service appears, or the function can reach more (or fewer) secrets than it rotates.
import { App, Aspects, NestedStack, Stack, aws_ec2 as ec2, aws_iam as iam, aws_rds as rds } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildMultiStackApp } from '../examples/multi-stack-app';
import { ProtectedSecret, RotatedDatabase, RotationFunction } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function buildFourStacks() {
  const app = new App();
  return { app, ...buildMultiStackApp(app, ENV) };
}

type Resources = Record<string, { Type: string; Properties?: any }>;

describe('a rotation function in a Network stack shared by databases of two other stacks', () => {
  const built = buildFourStacks();
  // Synthesizing the whole assembly is what fails on a cyclic reference between stacks.
  const assembly = built.app.synth();
  const stacks = [built.network, built.data, built.billing, built.apps];
  const templates = Object.fromEntries(stacks.map(s => [s.stackName, assembly.getStackArtifact(s.artifactId).template]));
  const all = (type: string) => Object.entries(templates).flatMap(([stack, t]) =>
    Object.entries<any>((t.Resources ?? {}) as Resources).filter(([, r]) => r.Type === type).map(([id, r]) => ({ stack, id, ...r })));
  const roleId = built.network.getLogicalId(built.rotation.function.role!.node.defaultChild as any);
  const fnSgId = built.network.getLogicalId(built.rotation.connections.securityGroups[0].node.defaultChild as any);
  /** True when `value` points at the Network stack's resource `logicalId` (directly or through an export). */
  const pointsAt = (value: any, logicalId: string) => JSON.stringify(value).includes(logicalId);

  test('the stacks deploy in order Network, then Apps, then Data and Billing: no cycle', () => {
    // Asset manifests (`<stack>.assets`) are not stacks.
    const deps = (s: Stack) => assembly.getStackArtifact(s.artifactId).dependencies.map(d => d.id).filter(id => !id.endsWith('.assets')).sort();
    expect(deps(built.network)).toEqual([]);
    expect(deps(built.apps)).toEqual([]);
    expect(deps(built.data)).toEqual(['Apps', 'Network']);
    expect(deps(built.billing)).toEqual(['Network']);
  });

  // Whoever changes the proof key's value or policy can sign a pending version the function takes for its own.
  test('each database stack watches the Network stack\'s proof key with its secrets\' changes, through an export', () => {
    const proofKeyId = built.network.getLogicalId(built.rotation.node.findChild('ProofKey') as any);
    for (const stack of ['Data', 'Billing']) {
      const changeRules = all('AWS::Events::Rule').filter(rule => rule.stack === stack && JSON.stringify(rule.Properties.EventPattern).includes('"PutSecretValue"'));
      expect(changeRules.some(rule => pointsAt(rule.Properties.EventPattern, proofKeyId))).toBe(true);
    }
  });

  test('one rotation function, one endpoint per service, none with private DNS', () => {
    expect(all('AWS::Lambda::Function').map(f => `${f.stack}/${f.id}`)).toEqual([`Network/${built.network.getLogicalId(built.rotation.function.node.defaultChild as any)}`]);
    const endpoints = all('AWS::EC2::VPCEndpoint');
    const services = endpoints.map(e => JSON.stringify(e.Properties.ServiceName).match(/(secretsmanager|rds-data)/)?.[1]).sort();
    expect(services).toEqual(['rds-data', 'secretsmanager']);
    for (const e of endpoints) expect(e.Properties.PrivateDnsEnabled).toBe(false);
  });

  test('the function calls each service through its endpoint\'s own DNS name', () => {
    const fn = all('AWS::Lambda::Function')[0];
    const env = fn.Properties.Environment.Variables;
    const endpointIds = all('AWS::EC2::VPCEndpoint').map(e => e.id);
    for (const name of ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL_RDS_DATA']) {
      expect(JSON.stringify(env[name])).toContain('https://');
      expect(endpointIds.some(id => pointsAt(env[name], id) && JSON.stringify(env[name]).includes('DnsEntries'))).toBe(true);
    }
  });

  test('each database admits only the rotation function, by rules in the database\'s own stack', () => {
    for (const db of [built.orders, built.invoices]) {
      const stack = Stack.of(db);
      // Its own group and the function's targets group of its stack (test/rotation-targets.test.ts).
      const instance = templates[stack.stackName].Resources[stack.getLogicalId(db.instance.node.defaultChild as any)];
      const sgIds: string[] = instance.Properties.VPCSecurityGroups.map((g: any) => g['Fn::GetAtt'][0]);
      expect(sgIds).toHaveLength(2);
      const inline = all('AWS::EC2::SecurityGroup').filter(sg => sg.stack === stack.stackName && sgIds.includes(sg.id))
        .flatMap(sg => sg.Properties.SecurityGroupIngress ?? []);
      expect(inline).toEqual([]);
      // A rule names a group of its own stack by Fn::GetAtt, one of another stack by Fn::ImportValue (the targets
      // groups of Data and Billing have the same logical ID, each in its own template).
      const namesGroup = (r: { stack: string; Properties?: any }) => sgIds.some(id => pointsAt(r.Properties.GroupId, id))
        && (r.stack === stack.stackName || JSON.stringify(r.Properties.GroupId).includes('Fn::ImportValue'));
      const rules = all('AWS::EC2::SecurityGroupIngress').filter(namesGroup);
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.stack).toBe(stack.stackName);
        expect(pointsAt(rule.Properties.SourceSecurityGroupId, fnSgId)).toBe(true);
        expect(rule.Properties.CidrIp).toBeUndefined();
      }
    }
    // The Aurora cluster is rotated through the Data API: nothing needs to reach it on the network.
    const ledgerSgs = built.ledger.connections.securityGroups.map(sg => built.billing.getLogicalId(sg.node.defaultChild as any));
    expect(all('AWS::EC2::SecurityGroupIngress').filter(r => ledgerSgs.some(id => pointsAt(r.Properties.GroupId, id)))).toEqual([]);
  });

  test('the function\'s role reaches exactly the secrets of all stacks, and their keys only through Secrets Manager', () => {
    const policies = [...all('AWS::IAM::Policy'), ...all('AWS::IAM::ManagedPolicy')]
      .filter(p => (p.Properties.Roles ?? []).some((r: any) => pointsAt(r, roleId)));
    // Key policies name the role as principal (a grant through kms:ViaService is written in the key's policy).
    const keyStatements = all('AWS::KMS::Key').flatMap(k => k.Properties.KeyPolicy.Statement
      .filter((st: any) => pointsAt(st.Principal, roleId)).map((st: any) => ({ ...st, Resource: { 'Fn::GetAtt': [k.id, 'Arn'] }, stack: k.stack })));
    // So do the secrets' own policies: a secret of the app grants the role in its resource policy, so the role's
    // policies do not grow with every secret (IAM's size quotas: test/policy-quotas.test.ts).
    const secretPolicyStatements = all('AWS::SecretsManager::ResourcePolicy').flatMap(p => p.Properties.ResourcePolicy.Statement
      .filter((st: any) => st.Effect === 'Allow' && pointsAt(st.Principal, roleId))
      .map((st: any) => ({ ...st, stack: p.stack, proofKey: String(p.id).includes('ProofKeyPolicy') })));
    const statements = [
      ...policies.flatMap(p => p.Properties.PolicyDocument.Statement.map((s: any) => ({ ...s, stack: p.stack }))),
      ...keyStatements,
      ...secretPolicyStatements,
    ];
    const secrets = [built.orders.secret, built.invoices.secret, built.admin, built.ledger.secret];
    const secretRef = (s: ProtectedSecret) => `${Stack.of(s).stackName}/${Stack.of(s).getLogicalId(s.secret.node.defaultChild as any)}`;
    const reached = new Set<string>();
    const keys = new Set<string>();
    for (const s of statements) {
      const actions: string[] = [s.Action].flat();
      for (const resource of [s.Resource].flat()) {
        for (const secret of secrets) {
          const id = Stack.of(secret).getLogicalId(secret.secret.node.defaultChild as any);
          if (s.stack === Stack.of(secret).stackName && pointsAt(resource, id) && actions.includes('secretsmanager:GetSecretValue')) reached.add(secretRef(secret));
          const keyId = Stack.of(secret).getLogicalId(secret.encryptionKey!.node.defaultChild as any);
          if (s.stack === Stack.of(secret).stackName && pointsAt(resource, keyId) && actions.includes('kms:Decrypt')) {
            expect(s.Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
            keys.add(secretRef(secret));
          }
        }
      }
      // Besides the rotated secrets, only the Data API's short-lived login secrets (by prefix) are named.
      if (actions.some(a => a.startsWith('secretsmanager:') && a !== 'secretsmanager:GetRandomPassword')) {
        for (const resource of [s.Resource].flat()) {
          const known = secrets.some(secret => pointsAt(resource, Stack.of(secret).getLogicalId(secret.secret.node.defaultChild as any)))
            // The cluster's attachment of its own secret (the same ARN), through which aws-cdk-lib grants Data API access.
            || pointsAt(resource, built.billing.getLogicalId(built.ledger.cluster.secret!.node.defaultChild as any))
            || JSON.stringify(resource).includes(':secret:rotation-login/*')
            // The function's own proof key, which it reads only (lambda/rotation/proof.ts).
            || (s.proofKey && JSON.stringify(actions) === JSON.stringify(['secretsmanager:GetSecretValue']));
          expect(known).toBe(true);
        }
      }
    }
    expect([...reached].sort()).toEqual(secrets.map(secretRef).sort());
    expect([...keys].sort()).toEqual(secrets.map(secretRef).sort());
  });

  test('Secrets Manager may invoke the function only for the rotated secrets of this account', () => {
    const permissions = all('AWS::Lambda::Permission').filter(p => p.Properties.Principal === 'secretsmanager.amazonaws.com');
    expect(permissions.length).toBe(4);
    for (const p of permissions) {
      expect(p.Properties.SourceAccount).toBe('111111111111');
      expect(p.Properties.SourceArn).toBeDefined();
      expect(p.stack).not.toBe('Network');
    }
    const schedules = all('AWS::SecretsManager::RotationSchedule');
    expect(schedules.length).toBe(4);
    for (const schedule of schedules) {
      const target = JSON.stringify(schedule.Properties.SecretId);
      expect(permissions.some(p => p.stack === schedule.stack && JSON.stringify(p.Properties.SourceArn) === target)).toBe(true);
    }
  });

  test('the rotation role is exempt from each secret\'s deny', () => {
    for (const secret of [built.orders.secret, built.invoices.secret, built.admin, built.ledger.secret]) {
      const policy = Template.fromStack(Stack.of(secret)).findResources('AWS::SecretsManager::ResourcePolicy');
      const secretId = Stack.of(secret).getLogicalId(secret.secret.node.defaultChild as any);
      const statements = Object.values(policy).filter(p => pointsAt(p.Properties.SecretId, secretId))
        .flatMap(p => p.Properties.ResourcePolicy.Statement);
      // The deny's exemptions, not the Allow statements that name the role too.
      const deny = statements.find(s => s.Sid === 'DenyValueAccessToEveryoneElse');
      expect(JSON.stringify(deny.Condition.StringNotEquals['aws:PrincipalArn'])).toContain(roleId);
    }
  });
});

describe('databases that leave the function to the library, with the VPC in another stack', () => {
  test('each stack\'s databases get a function of their own in the VPC\'s stack; all share one endpoint', () => {
    const app = new App();
    const network = new Stack(app, 'Network', { env: ENV });
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
    const a = new RotatedDatabase(new Stack(app, 'A', { env: ENV }), 'Db', { vpc, engine });
    const a2 = new RotatedDatabase(Stack.of(a), 'Db2', { vpc, engine });
    const b = new RotatedDatabase(new Stack(app, 'B', { env: ENV }), 'Db', { vpc, engine });
    app.synth();
    expect(a2.rotationFunction.node.path).toEqual(a.rotationFunction.node.path);
    expect(b.rotationFunction.node.path).not.toEqual(a.rotationFunction.node.path);
    expect(Stack.of(a.rotationFunction)).toBe(network);
    expect(Stack.of(b.rotationFunction)).toBe(network);
    // Each role carries the policy of one stack: IAM's 10 managed policies a role never cap the number of stacks.
    expect(b.rotationFunction.function.role!.node.path).not.toEqual(a.rotationFunction.function.role!.node.path);
    const endpoints = [network, Stack.of(a), Stack.of(b)].flatMap(s => Object.values(Template.fromStack(s).findResources('AWS::EC2::VPCEndpoint')));
    expect(endpoints.length).toBe(1);
  });

  // One function for every stack held up to 36 secrets (Lambda's 20 KB policy): a database removed from stack A moved
  // B's database back to the first function, and the network stack's update then removed the exports of the second,
  // which B still imports: "You can't modify or remove an output value that is referenced by another stack"
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-importvalue.html).
  // A VPC is in one account and region; aws-cdk-lib's own messages for this case named an alarm's region, a grantee's
  // account or a physical name, none of which said what was wrong.
  test.each([
    ['region', { account: ENV.account, region: 'us-east-1' }, /`vpc` .*Network\/Vpc is in region eu-west-1, but the database's stack .* us-east-1/],
    ['account', { account: '222222222222', region: ENV.region }, /`vpc` .*Network\/Vpc is in account 111111111111, but the database's stack .* 222222222222/],
  ])('a database in another %s than its VPC fails at synth, saying so', (_what, env, message) => {
    const app = new App();
    const network = new Stack(app, 'Network', { env: ENV });
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
    expect(() => new RotatedDatabase(new Stack(app, 'Far', { env }), 'Db', { vpc, engine })).toThrow(message);
  });

  test('a database added to or removed from one stack never moves another stack\'s database to another function', () => {
    const importsOfB = (databasesInA: number) => {
      const app = new App();
      const network = new Stack(app, 'Network', { env: ENV });
      const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
      const a = new Stack(app, 'A', { env: ENV });
      for (let i = 0; i < databasesInA; i++) new RotatedDatabase(a, `Db${i}`, { vpc, engine, monitoring: { enabled: false } });
      const b = new Stack(app, 'B', { env: ENV });
      new RotatedDatabase(b, 'Db', { vpc, engine, monitoring: { enabled: false } });
      const schedule = Object.values(Template.fromStack(b).findResources('AWS::SecretsManager::RotationSchedule'))[0];
      return JSON.stringify(schedule.Properties.RotationLambdaARN);
    };
    const before = importsOfB(33);
    expect(before).toContain('Fn::ImportValue');
    expect(importsOfB(32)).toEqual(before);
    expect(importsOfB(40)).toEqual(before);
  });

  test('functions of two stacks in a VPC of a third share its endpoints, without a cycle', () => {
    const app = new App();
    const network = new Stack(app, 'Network', { env: ENV });
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const a = new RotationFunction(new Stack(app, 'A', { env: ENV }), 'Rotation', { vpc });
    const b = new RotationFunction(new Stack(app, 'B', { env: ENV }), 'Rotation', { vpc });
    a.addDataApiEndpoint();
    b.addDataApiEndpoint();
    const assembly = app.synth();
    expect(assembly.getStackArtifact(network.artifactId).dependencies.filter(d => !d.id.endsWith('.assets'))).toEqual([]);
    expect(Object.keys(Template.fromStack(network).findResources('AWS::EC2::VPCEndpoint', { Properties: { PrivateDnsEnabled: false } }))).toHaveLength(2);
    Template.fromStack(network).resourceCountIs('AWS::EC2::VPCEndpoint', 2);
    for (const fn of [a, b]) {
      const t = Template.fromStack(Stack.of(fn));
      t.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
      // The endpoint's ingress from this function is written in the function's stack.
      t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 2);
    }
  });

  test('two functions in one VPC (different subnets) share one endpoint per service', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'a', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, { name: 'b', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const first = new RotationFunction(stack, 'First', { vpc, vpcSubnets: { subnetGroupName: 'a' } });
    const second = new RotationFunction(stack, 'Second', { vpc, vpcSubnets: { subnetGroupName: 'b' } });
    first.addDataApiEndpoint();
    second.addDataApiEndpoint();
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  });
});

describe('a service of an Apps stack granted a secret of a Data stack (grantRead from the apps side)', () => {
  function grantAcrossStacks(roleProps: Partial<iam.RoleProps> = {}) {
    const app = new App();
    const data = new Stack(app, 'Data', { env: ENV });
    const apps = new Stack(app, 'Apps', { env: ENV });
    const orders = new ProtectedSecret(data, 'Orders', { denyOthers: true, readers: [new iam.Role(data, 'Owner', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') })] });
    const reports = new iam.Role(apps, 'Reports', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), ...roleProps });
    orders.grantRead(reports);
    return { app, data, apps, orders, reports };
  }

  test('a role with a fixed name: the exemption names its ARN without a reference, so the stacks deploy Data then Apps', () => {
    const { app, data, apps } = grantAcrossStacks({ roleName: 'orders-reports' });
    const assembly = app.synth();
    const deps = (s: Stack) => assembly.getStackArtifact(s.artifactId).dependencies.map(d => d.id).filter(id => !id.endsWith('.assets'));
    expect(deps(data)).toEqual([]);
    expect(deps(apps)).toEqual(['Data']);
    const deny = Object.values(Template.fromStack(data).findResources('AWS::SecretsManager::ResourcePolicy'))[0]
      .Properties.ResourcePolicy.Statement.find((st: any) => st.Sid === 'DenyValueAccessToEveryoneElse');
    expect(JSON.stringify(deny.Condition.StringNotEquals['aws:PrincipalArn'])).toContain(':iam::111111111111:role/orders-reports');
    // Data deploys first, and KMS refuses a key policy whose principal does not exist yet (MalformedPolicyDocumentException):
    // no key policy statement may have the role of Apps as principal. Nothing in Data refers to Apps either.
    const keyPrincipals = Object.values(Template.fromStack(data).findResources('AWS::KMS::Key')).flatMap(k => k.Properties.KeyPolicy.Statement)
      .map((st: any) => JSON.stringify(st.Principal));
    expect(keyPrincipals.filter(p => p.includes('role/orders-reports'))).toEqual([]);
    expect(JSON.stringify(Template.fromStack(data).toJSON())).not.toContain('Fn::ImportValue');
    // The grant, key use included (through Secrets Manager only), is the role's own policy, in the Apps stack.
    const appsStatements = Object.values(Template.fromStack(apps).findResources('AWS::IAM::Policy'))
      .flatMap(p => p.Properties.PolicyDocument.Statement);
    expect(appsStatements.flatMap((st: any) => [].concat(st.Action))).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']));
    const kmsStatements = appsStatements.filter((st: any) => [].concat(st.Action).some((a: string) => a.startsWith('kms:')));
    expect(kmsStatements).toEqual([expect.objectContaining({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    })]);
  });

  // A landing-zone Aspect that gives every role a path or a name prefix runs after the grant: the deny must exempt the
  // ARN the role is deployed with (aws:PrincipalArn is the role's ARN, path included).
  test.each([
    ['a path', (role: iam.CfnRole) => { role.path = '/apps/'; }, ':iam::111111111111:role/apps/orders-reports'],
    ['a name prefix', (role: iam.CfnRole) => { role.roleName = `team-${role.roleName}`; }, ':iam::111111111111:role/team-orders-reports'],
  ])('the deny exempts the fixed-name role as an Aspect deploys it (%s)', (_what, change, deployedArn) => {
    const { data, apps } = grantAcrossStacks({ roleName: 'orders-reports' });
    Aspects.of(apps).add({ visit: node => { if (node instanceof iam.CfnRole) change(node); } });
    const deny = Object.values(Template.fromStack(data).findResources('AWS::SecretsManager::ResourcePolicy'))[0]
      .Properties.ResourcePolicy.Statement.find((st: any) => st.Sid === 'DenyValueAccessToEveryoneElse');
    expect(JSON.stringify(deny.Condition.StringNotEquals['aws:PrincipalArn'])).toContain(deployedArn);
  });

  test('a role already among the readers, granted again from its own stack without a fixed name: the error says what to change', () => {
    const app = new App();
    const data = new Stack(app, 'Data', { env: ENV });
    const apps = new Stack(app, 'Apps', { env: ENV });
    const task = new iam.Role(apps, 'Task', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const orders = new ProtectedSecret(data, 'Orders', { readers: [task] });
    expect(() => orders.grantRead(task)).toThrow(/already among the secret's readers or writers.*closes a cycle.*Remove the role from `readers`\/`writers`.*fixed `roleName`/s);
    const other = new iam.Role(apps, 'Other', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    expect(() => orders.grantRead(other)).toThrow(/Either list the role in `readers`/);
  });

  test('a writer role with a fixed name in another stack: kms:GenerateDataKey in its own policy, none in the key policy', () => {
    const app = new App();
    const data = new Stack(app, 'Data', { env: ENV });
    const apps = new Stack(app, 'Apps', { env: ENV });
    const orders = new ProtectedSecret(data, 'Orders', { readers: [new iam.Role(data, 'Owner', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') })] });
    const loader = new iam.Role(apps, 'Loader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), roleName: 'orders-loader' });
    orders.grantWrite(loader);
    orders.secret.grantRead(loader);
    const keyPrincipals = Object.values(Template.fromStack(data).findResources('AWS::KMS::Key')).flatMap(k => k.Properties.KeyPolicy.Statement)
      .map((st: any) => JSON.stringify(st.Principal));
    expect(keyPrincipals.filter(p => p.includes('role/orders-loader'))).toEqual([]);
    const kmsActions = Object.values(Template.fromStack(apps).findResources('AWS::IAM::Policy'))
      .flatMap(p => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => st.Condition?.StringEquals?.['kms:ViaService'] === 'secretsmanager.eu-west-1.amazonaws.com')
      .flatMap((st: any) => [].concat(st.Action));
    expect(kmsActions).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
    const deny = Object.values(Template.fromStack(data).findResources('AWS::SecretsManager::ResourcePolicy'))[0]
      .Properties.ResourcePolicy.Statement.find((st: any) => st.Sid === 'DenyValueAccessToEveryoneElse');
    expect(JSON.stringify(deny.Condition.StringNotEquals['aws:PrincipalArn'])).toContain(':iam::111111111111:role/orders-loader');
  });

  test('a role of a nested stack, granted a secret of its parent, is exempt by reference as before (no cycle there)', () => {
    const app = new App();
    const data = new Stack(app, 'Data', { env: ENV });
    const orders = new ProtectedSecret(data, 'Orders', { readers: [new iam.Role(data, 'Owner', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') })] });
    const reports = new iam.Role(new NestedStack(data, 'Reports'), 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    orders.grantRead(reports);
    expect(() => app.synth()).not.toThrow();
  });

  // Two nested stacks of one parent pass references through the parent: a grant from one to the other and the deny's
  // exemption back made each nested stack's resource depend on the other's (cfn-lint E3004), so the parent could not
  // deploy; with a stack of another root, aws-cdk-lib refused it as a cycle even for a role with a fixed name.
  test.each([
    ['a sibling nested stack', (_app: App, data: Stack) => new NestedStack(data.nestedStackParent!, 'Apps')],
    ['a stack of another root', (app: App) => new Stack(app, 'Other', { env: ENV })],
  ])('a role of %s, granted a secret of a nested stack: by its fixed name, one way only; by a generated name, refused with the fix', (_what, appsOf) => {
    for (const roleName of ['orders-reports', undefined]) {
      const app = new App();
      const parent = new Stack(app, 'Parent', { env: ENV });
      const data = new NestedStack(parent, 'Data');
      const orders = new ProtectedSecret(data, 'Orders', { readers: [new iam.Role(data, 'Owner', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') })] });
      const reports = new iam.Role(appsOf(app, data), 'Reports', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), roleName });
      if (!roleName) {
        expect(() => orders.grantRead(reports)).toThrow(/would make the stacks .* depend on each other.*fixed `roleName`/s);
        continue;
      }
      orders.grantRead(reports);
      expect(() => app.synth()).not.toThrow();
      const deny = Object.values(Template.fromStack(data).findResources('AWS::SecretsManager::ResourcePolicy'))[0]
        .Properties.ResourcePolicy.Statement.find((st: any) => st.Sid === 'DenyValueAccessToEveryoneElse');
      expect(JSON.stringify(deny.Condition.StringNotEquals['aws:PrincipalArn'])).toContain(':iam::111111111111:role/orders-reports');
      // The Data side names nothing of the role's stack: no parameter of Data carries a reference to it.
      const parentTemplate = Template.fromStack(parent).toJSON();
      const dataResource = Object.values<any>(parentTemplate.Resources).find(r => r.Type === 'AWS::CloudFormation::Stack' && JSON.stringify(r).includes('Data'));
      expect(JSON.stringify(dataResource?.Properties?.Parameters ?? {})).not.toMatch(/Reports|Apps/);
    }
  });

  // The exemption would name the role by an ARN in the secret's account, which the role is not in: the call would be
  // refused at run time by the deny and the key policy (which delegates to its own account only), silently at synth.
  test('a role of a stack in another account is refused at synth, as `readers` refuses it', () => {
    const app = new App();
    const data = new Stack(app, 'Data', { env: ENV });
    const partner = new Stack(app, 'Partner', { env: { account: '222222222222', region: ENV.region } });
    const orders = new ProtectedSecret(data, 'Orders', { readers: [new iam.Role(data, 'Owner', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') })] });
    const reports = new iam.Role(partner, 'Reports', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'), roleName: 'orders-reports' });
    expect(() => orders.grantRead(reports)).toThrow(/Data\/Orders: `grantee` contains a principal of account 222222222222, but the secret is in 111111111111/);
    expect(() => orders.grantWrite(reports)).toThrow(/account 222222222222/);
  });

  test('a role with a generated name fails at synth with the fix, not with a cyclic reference', () => {
    expect(() => grantAcrossStacks()).toThrow(/Data\/Orders.*Apps\/Reports.*(readers|secretReaders).*roleName/s);
  });
});

describe('two stacks that each import the same VPC and ask for private DNS', () => {
  // A VPC takes one endpoint with private DNS per service: CloudFormation creates the first stack's and the second
  // deploy fails ("private-dns-enabled cannot be set because there is already a conflicting DNS domain ... in the VPC").
  const VPC_ATTRIBUTES = {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
    isolatedSubnetRouteTableIds: ['rtb-0aaaaaaaaaaaaaaaa', 'rtb-0bbbbbbbbbbbbbbbb'],
  };
  function importingStack(app: App, name: string, privateDnsEnabled: boolean) {
    const stack = new Stack(app, name, { env: ENV });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', VPC_ATTRIBUTES);
    return new RotationFunction(stack, 'Rotation', { vpc, privateDnsEnabled });
  }

  test('synth fails, naming both endpoints and the fix', () => {
    const app = new App();
    importingStack(app, 'Orders', true);
    importingStack(app, 'Billing', true);
    expect(() => app.synth()).toThrow(/Orders\/ProtectedSecretsSecretsManagerEndpoint\w+.*Billing\/ProtectedSecretsSecretsManagerEndpoint\w+|Billing\/ProtectedSecretsSecretsManagerEndpoint\w+.*Orders\/ProtectedSecretsSecretsManagerEndpoint\w+/s);
    expect(() => app.synth()).toThrow(/vpc-0123456789abcdef0.*`createSecretsManagerEndpoint: false`/s);
  });

  test('one stack with private DNS, or two without it, synthesize', () => {
    const one = new App();
    importingStack(one, 'Orders', true);
    expect(() => one.synth()).not.toThrow();
    const quiet = new App();
    importingStack(quiet, 'Orders', false);
    importingStack(quiet, 'Billing', false);
    expect(() => quiet.synth()).not.toThrow();
  });

  test('a VPC still being looked up is not compared (every pending lookup carries the same placeholder ID)', () => {
    const app = new App();
    for (const name of ['Orders', 'Billing']) {
      const stack = new Stack(app, name, { env: ENV });
      const vpc = ec2.Vpc.fromLookup(stack, 'Vpc', { vpcId: name === 'Orders' ? 'vpc-0aaaaaaaaaaaaaaaa' : 'vpc-0bbbbbbbbbbbbbbbb' });
      new RotationFunction(stack, 'Rotation', { vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, privateDnsEnabled: true });
    }
    expect(() => app.synth()).not.toThrow();
  });
});
