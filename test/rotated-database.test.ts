import { App, CfnElement, CliCredentialsStackSynthesizer, Duration, RemovalPolicies, RemovalPolicy, Stack, Token, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_logs as logs, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ACCOUNT, Caller, REGION, ResolvedTemplate, decide, principalCaller } from './iam-matrix';
import { namesFirstRotationSecret } from '../lambda/rotation/steps/set-secret';
import { ProtectedSecret, RotatedAuroraCluster, RotatedDatabase, RotatedDatabaseProps, RotationFunction } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const mariadb = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 });
const mysql = rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_0 });
const pg13 = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_13_23 });

/** A stack and a VPC of two subnet groups: isolated `db` and `second` (isolated `apps` unless given). */
function setup(second: ec2.SubnetConfiguration = { name: 'apps', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }) {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }, second],
  });
  return { app, stack, vpc };
}

function single(extra: Partial<RotatedDatabaseProps> = {}) {
  const { stack, vpc } = setup();
  const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, ...extra });
  return { stack, vpc, db, t: Template.fromStack(stack) };
}

/** A superuser secret for alternating users, a ProtectedSecret of the stack, as the README's examples make it. */
function adminSecret(stack: Stack) {
  return new ProtectedSecret(stack, 'Admin', {
    generateSecretString: { secretStringTemplate: '{"username":"admin"}', generateStringKey: 'password', excludeCharacters: '/@" ' },
  });
}

function logicalId(stack: Stack, construct: { node: any }) {
  return stack.getLogicalId(construct.node.defaultChild);
}

describe('RotatedDatabase defaults', () => {
  test('the instance takes its master credentials from the CMK-encrypted secret and encrypts storage with the same key', () => {
    const { stack, db, t } = single();
    const secretId = logicalId(stack, db.secret.secret);
    const keyId = stack.getLogicalId(db.secret.encryptionKey!.node.defaultChild as any);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"dbadmin"}', GenerateStringKey: 'password' }),
    });
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      MasterUsername: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:username::}}']] },
      MasterUserPassword: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:password::}}']] },
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      MultiAZ: true,
      PubliclyAccessible: false,
      EnableIAMDatabaseAuthentication: false,
    });
  });

  test('removalPolicy DESTROY turns deletion protection off unless it is set: RDS refuses to delete a protected instance, so cdk destroy would fail', () => {
    // "The database can't be deleted when deletion protection is enabled"
    // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html, DeletionProtection).
    const protection = (extra: Partial<RotatedDatabaseProps>) => Object.values(single(extra).t.findResources('AWS::RDS::DBInstance'))[0].Properties.DeletionProtection;
    expect(protection({ removalPolicy: RemovalPolicy.DESTROY })).toBe(false);
    expect(protection({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true })).toBe(true);
    expect(protection({ removalPolicy: RemovalPolicy.SNAPSHOT })).toBe(true);
    expect(protection({})).toBe(true);
  });

  test('a failed first deploy leaves nothing retained behind: what outlives the stack is kept except by the deploy that creates it', () => {
    const { t } = single();
    const policies = Object.entries(t.toJSON().Resources as Record<string, any>).filter(([, r]) => r.DeletionPolicy !== undefined)
      .map(([, r]) => `${r.Type} ${r.DeletionPolicy}`).sort();
    expect(policies).toEqual([
      'AWS::KMS::Key RetainExceptOnCreate', 'AWS::KMS::Key RetainExceptOnCreate', 'AWS::KMS::Key RetainExceptOnCreate',
      'AWS::Logs::LogGroup RetainExceptOnCreate', 'AWS::RDS::DBInstance Snapshot',
      'AWS::SecretsManager::ResourcePolicy RetainExceptOnCreate', 'AWS::SecretsManager::Secret RetainExceptOnCreate',
    ]);
  });

  test('the secret is attached to the instance so it holds host, port, dbname and engine', () => {
    const { stack, db, t } = single();
    t.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      SecretId: { Ref: logicalId(stack, db.secret.secret) },
      TargetType: 'AWS::RDS::DBInstance',
      TargetId: { Ref: logicalId(stack, db.instance) },
    });
  });

  test('the key lets RDS use it for storage only through RDS', () => {
    const { t } = single();
    const statements: any[] = Object.values(t.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
    const rdsUse = statements.find(s => s.Sid === 'AllowUseThroughRdsForStorageEncryption');
    expect(rdsUse.Condition.StringEquals).toEqual({ 'kms:ViaService': 'rds.eu-west-1.amazonaws.com', 'kms:CallerAccount': '111111111111' });
  });

  test('the key policy names the rotation role in one statement, for reading and writing through Secrets Manager', () => {
    const { stack, db, t } = single();
    const statements: any[] = Object.values(t.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;
    const roleArn = stack.resolve(db.rotationFunction.function.role!.roleArn);
    const forRole = statements.filter(s => JSON.stringify(s.Principal) === JSON.stringify({ AWS: roleArn }));
    expect(forRole).toHaveLength(1);
    expect(forRole[0].Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']));
    expect(forRole[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } });
  });

  test.each([
    ['postgres', postgres, { 'rds.force_ssl': '1' }],
    ['mysql', mysql, { require_secure_transport: '1' }],
    ['mariadb', mariadb, { require_secure_transport: '1' }],
  ])('TLS is enforced by the %s parameter group', (_name, engine, parameters) => {
    const { t } = single({ engine });
    t.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: parameters });
  });

  test('rotation: every 30 days by default, immediately on update, with the bundled function', () => {
    const { stack, db, t } = single();
    t.hasResource('AWS::SecretsManager::RotationSchedule', {
      Properties: {
        SecretId: { Ref: logicalId(stack, db.secret.secret) },
        RotationLambdaARN: { 'Fn::GetAtt': [logicalId(stack, db.rotationFunction.function), 'Arn'] },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediatelyOnUpdate: true,
      },
      // The connection fields must be in the secret before the first rotation.
      DependsOn: Match.arrayWith([stack.getLogicalId(db.instance.secret!.node.defaultChild as any)]),
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ PASSWORD_LENGTH: '32', EXCLUDE_CHARACTERS: Match.stringLikeRegexp('@') }) },
    });
  });

  test('the first rotation after an update waits for the secret\'s resource policy, which exempts a replaced rotation role', () => {
    const { stack, db, t } = single();
    const policy = db.secret.secret.node.findChild('Policy').node.defaultChild as any;
    t.hasResource('AWS::SecretsManager::RotationSchedule', {
      DependsOn: Match.arrayWith([stack.getLogicalId(policy)]),
    });
  });

  test('a cron expression and a rotation window', () => {
    const { t } = single({ scheduleExpression: 'cron(0 4 ? * SUN *)', rotationWindow: Duration.hours(3), rotateImmediatelyOnUpdate: false });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'cron(0 4 ? * SUN *)', Duration: '3h' },
      RotateImmediatelyOnUpdate: false,
    });
  });

  test('the secret has exactly one resource policy, with public policies blocked', () => {
    const { t, stack, db } = single();
    const policies = Object.values(t.findResources('AWS::SecretsManager::ResourcePolicy'));
    const secretRef = { Ref: logicalId(stack, db.secret.secret) };
    expect(policies.filter(p => JSON.stringify(p.Properties.SecretId) === JSON.stringify(secretRef))).toHaveLength(1);
    // Besides it, only the rotation function's proof key has one; every one blocks public policies.
    expect(policies).toHaveLength(2);
    for (const p of policies) expect(p.Properties.BlockPublicPolicy).toBe(true);
  });
});

// RDS creates the exported logs' groups, which keep everything unless their retention is set (review CU).
test('cloudwatchLogsRetention sets the retention of every exported log (PostgreSQL: postgresql and upgrade); without it none is added', () => {
  const { t } = single({ cloudwatchLogsRetention: logs.RetentionDays.ONE_YEAR });
  const retentions = Object.values(t.findResources('Custom::LogRetention')).map((r: any) => [r.Properties.RetentionInDays, JSON.stringify(r.Properties.LogGroupName)]);
  expect(retentions).toEqual([[365, expect.stringContaining('/postgresql')], [365, expect.stringContaining('/upgrade')]]);
  single().t.resourceCountIs('Custom::LogRetention', 0);
});

describe('RotatedDatabase network path', () => {
  test('the function runs in the VPC with its own security group, allowed into the database port only', () => {
    const { stack, db, t } = single();
    const fnSg = stack.getLogicalId(db.rotationFunction.connections.securityGroups[0].node.defaultChild as any);
    const dbSg = stack.getLogicalId(db.connections.securityGroups[0].node.defaultChild as any);
    t.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SecurityGroupIds: [{ 'Fn::GetAtt': [fnSg, 'GroupId'] }], SubnetIds: Match.anyValue() },
    });
    // The instance is in its own group and in the function's targets group of this stack (test/rotation-targets.test.ts).
    const instanceGroups = (t.toJSON().Resources[logicalId(stack, db.instance)].Properties.VPCSecurityGroups as any[]).map(g => g['Fn::GetAtt'][0]);
    expect(instanceGroups).toEqual([dbSg, expect.stringMatching(/^ProtectedSecretsRotationTargets/)]);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [instanceGroups[1], 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [fnSg, 'GroupId'] },
      IpProtocol: 'tcp',
      // The port by number, so the rule can be read (and checked by cdk-nag) without deploying.
      FromPort: 5432,
      ToPort: 5432,
    });
    // No open egress: only the database port and the endpoint.
    t.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('Rotation function'), SecurityGroupEgress: Match.absent() });
  });

  test('a private Secrets Manager endpoint that only the function may use, leaving the VPC\'s DNS alone', () => {
    const { stack, db, t } = single();
    // Private DNS would send every workload of the VPC to an endpoint that admits only the function.
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: 'com.amazonaws.eu-west-1.secretsmanager',
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: false,
    });
    const endpointId = Object.keys(t.findResources('AWS::EC2::VPCEndpoint'))[0];
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AWS_ENDPOINT_URL_SECRETS_MANAGER: { 'Fn::Join': ['', ['https://', { 'Fn::Select': [1, { 'Fn::Split': [':', { 'Fn::Select': [0, { 'Fn::GetAtt': [endpointId, 'DnsEntries'] }] }] }] }]] },
        }),
      },
    });
    const fnSg = stack.getLogicalId(db.rotationFunction.connections.securityGroups[0].node.defaultChild as any);
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      SourceSecurityGroupId: { 'Fn::GetAtt': [fnSg, 'GroupId'] },
      FromPort: 443,
      ToPort: 443,
    });
    const endpointSg = Object.values(t.findResources('AWS::EC2::SecurityGroup')).find(r => /Secrets Manager endpoint/.test(r.Properties.GroupDescription));
    expect(endpointSg).toBeDefined();
    // No CIDR rule either way: neither the whole VPC in, nor anything out.
    expect(JSON.stringify(endpointSg!.Properties.SecurityGroupIngress ?? [])).not.toContain('CidrIp');
    expect(JSON.stringify(endpointSg!.Properties.SecurityGroupEgress)).not.toContain('0.0.0.0/0');
  });

  test('private DNS only when asked, with a warning that names what it changes for the VPC', () => {
    const { stack, vpc, t } = single();
    expect(JSON.stringify(t.toJSON())).not.toContain('"PrivateDnsEnabled":true');
    // One endpoint per VPC and service: a second function cannot ask for the opposite.
    expect(() => new RotationFunction(stack, 'Loud', { vpc, vpcSubnets: { subnetGroupName: 'apps' }, privateDnsEnabled: true }))
      .toThrow(/`privateDnsEnabled` is true, but the Secrets Manager endpoint .* has it false/);
    const other = new Stack(new App(), 'Other', { env: ENV });
    const otherVpc = new ec2.Vpc(other, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const loud = new RotationFunction(other, 'Loud', { vpc: otherVpc, privateDnsEnabled: true });
    Template.fromStack(other).hasResourceProperties('AWS::EC2::VPCEndpoint', { PrivateDnsEnabled: true });
    const warnings = Annotations.fromStack(other).findWarning(`/${loud.node.path}`, Match.stringLikeRegexp('makes every workload in the VPC call Secrets Manager'));
    expect(warnings).toHaveLength(1);
  });

  test('an endpoint passed in is used by its own DNS name, and no endpoint is created', () => {
    const { stack } = setup();
    const vpc = stack.node.findChild('Vpc') as ec2.Vpc;
    const mine = vpc.addInterfaceEndpoint('Mine', { service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, privateDnsEnabled: false });
    new RotationFunction(stack, 'Fn', { vpc, secretsManagerEndpoint: mine });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    const endpointId = stack.getLogicalId(mine.node.defaultChild as any);
    expect(JSON.stringify(t.findResources('AWS::Lambda::Function'))).toContain(`{"Fn::GetAtt":["${endpointId}","DnsEntries"]}`);
  });

  test('synth says which path the function takes to Secrets Manager', () => {
    const { stack, db } = single();
    const info = Annotations.fromStack(stack).findInfo(`/${db.rotationFunction.node.path}`, Match.stringLikeRegexp('private DNS off: only rotation functions use it, by its own DNS name in AWS_ENDPOINT_URL_SECRETS_MANAGER'));
    expect(info).toHaveLength(1);
    // Without an endpoint, in subnets with no route out, the function could not reach Secrets Manager at all.
    const isolated = single({ createSecretsManagerEndpoint: false });
    const warnings = Annotations.fromStack(isolated.stack).findWarning(`/${isolated.db.rotationFunction.node.path}`, Match.stringLikeRegexp('runs in isolated subnets with `createSecretsManagerEndpoint: false`'));
    expect(warnings).toHaveLength(1);
  });

  // Review CA: compared by subnet ID, since a subnet given by ID is another object than the VPC's; and the warning
  // names the Data API too, which a function serving Aurora clusters needs as much.
  test('isolated subnets given by ID warn too, naming Secrets Manager and the RDS Data API', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'V', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a', 'eu-west-1b'], isolatedSubnetIds: ['subnet-1', 'subnet-2'] });
    new RotationFunction(stack, 'Fn', {
      vpc,
      createSecretsManagerEndpoint: false,
      vpcSubnets: { subnets: [ec2.Subnet.fromSubnetId(stack, 'A', 'subnet-1'), ec2.Subnet.fromSubnetId(stack, 'B', 'subnet-2')] },
    });
    const warnings = Annotations.fromStack(stack).findWarning('/S/Fn', Match.stringLikeRegexp('runs in isolated subnets.*Secrets Manager.*RDS Data API'));
    expect(warnings).toHaveLength(1);
  });

  // Review CA: its rules would name a security group of another VPC (refused without peering) and no route joins them.
  test('a rotationFunction of another VPC is refused, naming both VPCs', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const isolated = (id: string) => new ec2.Vpc(stack, id, { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const a = isolated('A');
    const fn = new RotationFunction(stack, 'Fn', { vpc: a });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc: isolated('B'), engine: postgres, rotationFunction: fn }))
      .toThrow(/RotatedDatabase S\/Db: `rotationFunction` S\/Fn runs in VPC S\/A, but the database is in VPC S\/B/);
    // The same VPC, or one imported by reference to its ID (which may be the same), stands.
    expect(() => new RotatedDatabase(stack, 'Same', { vpc: a, engine: postgres, rotationFunction: fn })).not.toThrow();
    const imported = ec2.Vpc.fromVpcAttributes(stack, 'Imported', { vpcId: a.vpcId, availabilityZones: a.availabilityZones, isolatedSubnetIds: a.isolatedSubnets.map(x => x.subnetId) });
    expect(() => new RotatedDatabase(stack, 'ByReference', { vpc: imported, engine: postgres, rotationFunction: fn })).not.toThrow();
  });

  test('the endpoint can be left out', () => {
    const { t } = single({ createSecretsManagerEndpoint: false });
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Rotation function'),
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ FromPort: 443, ToPort: 443 })]),
    });
  });
});

describe('RotatedDatabase shared rotation function', () => {
  test('two databases in one VPC and subnets share one function and one endpoint', () => {
    const { stack, vpc } = setup();
    const a = new RotatedDatabase(stack, 'A', { vpc, engine: postgres });
    const b = new RotatedDatabase(stack, 'B', { vpc, engine: mariadb });
    expect(a.rotationFunction).toBe(b.rotationFunction);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', 1);
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
  });

  test('another subnet selection gets its own function', () => {
    const { stack, vpc } = setup();
    new RotatedDatabase(stack, 'A', { vpc, engine: postgres, vpcSubnets: { subnetGroupName: 'db' } });
    new RotatedDatabase(stack, 'B', { vpc, engine: postgres, vpcSubnets: { subnetGroupName: 'db' }, rotationFunctionSubnets: { subnetGroupName: 'apps' } });
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 2);
  });
});

describe('RotatedDatabase least privilege', () => {
  // Secrets Manager uses the key for the function, which "must have" kms:GenerateDataKey and kms:Decrypt
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-authz).
  // A key of another app takes no key policy statement from this one, so the function's own policy must allow it,
  // naming the key (never an alias: https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html).
  test.each<[string, (stack: Stack) => kms.IKey]>([
    ['a key imported by ARN', stack => kms.Key.fromKeyArn(stack, 'Key', KEY_ARN)],
    ['an alias imported with its key', stack => kms.Alias.fromAliasAttributes(stack, 'Alias', { aliasName: 'alias/db', aliasTargetKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN) })],
    ['an alias of this app over a key imported by ARN', stack => new kms.Alias(stack, 'Alias', { aliasName: 'alias/db', targetKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN) })],
  ])('with %s, the rotation function may use the key through Secrets Manager', async (_name, key) => {
    const { stack, vpc } = setup();
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, encryptionKey: key(stack) });
    const t = new ResolvedTemplate('Test', Template.fromStack(stack).toJSON());
    const roleArn = t.resolve(stack.resolve(db.rotationFunction.function.role!.roleArn));
    const roleRef = stack.resolve((db.rotationFunction.function.role!.node.defaultChild as iam.CfnRole).ref);
    const identity = [...t.ofType('AWS::IAM::ManagedPolicy'), ...t.ofType('AWS::IAM::Policy')]
      .filter(([, p]) => JSON.stringify(p.Properties.Roles ?? []).includes(JSON.stringify(roleRef)))
      .flatMap(([, p]) => t.resolve(p.Properties.PolicyDocument).Statement);
    const fn: Caller = principalCaller('rotation function', roleArn, identity);
    const viaSecretsManager = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` };
    // The other app's key policy delegates to the account's IAM policies (KMS's default key policy), as the README
    // requires of an imported key: the function's own policy must then allow the use.
    const defaultKeyPolicy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
    };
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(await decide(fn, action, KEY_ARN, defaultKeyPolicy, viaSecretsManager)).toBe('Allowed');
      expect(await decide(fn, action, KEY_ARN, defaultKeyPolicy)).not.toBe('Allowed');
    }
  });

  test('the function may touch only the rotated secrets, and no Secrets Manager action is on *', () => {
    const { stack, vpc } = setup();
    const a = new RotatedDatabase(stack, 'A', { vpc, engine: postgres });
    const b = new RotatedDatabase(stack, 'B', { vpc, engine: mariadb });
    const t = Template.fromStack(stack);
    const roleId = stack.getLogicalId(a.rotationFunction.function.role!.node.defaultChild as any);
    // Every policy the role holds: managed policies attached to it and inline policies (AWS::IAM::Policy) alike.
    const attached = (type: string) => Object.values(t.findResources(type))
      .filter(p => JSON.stringify(p.Properties.Roles ?? []).includes(JSON.stringify({ Ref: roleId })))
      .flatMap(p => p.Properties.PolicyDocument.Statement);
    const statements = [...attached('AWS::IAM::ManagedPolicy'), ...attached('AWS::IAM::Policy'),
      ...(t.toJSON().Resources[roleId].Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement)];
    expect(statements.length).toBeGreaterThan(0);
    // The rotated secrets, and the function's own proof key (lambda/rotation/proof.ts), which it reads only.
    const proofKey = a.rotationFunction.node.findChild('ProofKey') as any;
    const secretRefs = [a, b].map(db => JSON.stringify({ Ref: logicalId(stack, db.secret.secret) }));
    for (const s of statements) {
      if (JSON.stringify(s.Resource) === JSON.stringify({ Ref: stack.getLogicalId(proofKey) })) expect(s.Action).toBe('secretsmanager:GetSecretValue');
    }
    secretRefs.push(JSON.stringify({ Ref: stack.getLogicalId(proofKey) }));

    for (const s of statements) {
      const actions: string[] = [].concat(s.Action);
      if (actions.some(x => x.startsWith('secretsmanager:'))) {
        // No Secrets Manager action on *: the function makes its passwords itself, without GetRandomPassword.
        for (const r of [].concat(s.Resource)) expect(secretRefs).toContain(JSON.stringify(r));
      }
      if (actions.some(x => x.startsWith('kms:'))) {
        expect(s.Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
      }
      expect(actions).not.toContain('secretsmanager:*');
    }
    expect(t.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('storage: allocatedStorage, storageType and maxAllocatedStorage reach the instance; the defaults stay 100 GiB of gp2', () => {
    const { t } = single({ allocatedStorage: 20, storageType: rds.StorageType.GP3, maxAllocatedStorage: 200 });
    t.hasResourceProperties('AWS::RDS::DBInstance', { AllocatedStorage: '20', StorageType: 'gp3', MaxAllocatedStorage: 200 });
    single().t.hasResourceProperties('AWS::RDS::DBInstance', { AllocatedStorage: '100', StorageType: 'gp2', MaxAllocatedStorage: Match.absent() });
  });

  // CreateDBInstance AllocatedStorage (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html);
  // the autoscaling threshold at least 10% above it (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
  test.each<[string, Partial<RotatedDatabaseProps>, RegExp]>([
    ['gp2 under 20 GiB', { allocatedStorage: 10 }, /`allocatedStorage` must be a whole number of GiB from 20 to 65536 on gp2 storage, got 10/],
    ['a fraction', { allocatedStorage: 20.5, storageType: rds.StorageType.GP3 }, /from 20 to 65536 on gp3 storage, got 20\.5/],
    ['magnetic over 3072 GiB', { allocatedStorage: 4000, storageType: rds.StorageType.STANDARD }, /from 5 to 3072 on standard storage, got 4000/],
    ['Provisioned IOPS without IOPS', { storageType: rds.StorageType.IO1 }, /`storageType` io1 \(Provisioned IOPS\) needs an IOPS setting/],
    ['a threshold under 10% above', { allocatedStorage: 100, maxAllocatedStorage: 105 }, /`maxAllocatedStorage` must be a whole number of GiB from 110 \(10% above `allocatedStorage`\) to 65536, got 105/],
  ])('storage refused at synth, naming the prop: %s', (_name, props, message) => {
    expect(() => single(props)).toThrow(message);
  });

  test('breakGlassPrincipals reach the secret: a DBA\'s emergency role is exempt from its deny', () => {
    const { stack, vpc } = setup();
    const dba = new iam.Role(stack, 'Dba', { assumedBy: new iam.AccountRootPrincipal() });
    new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, breakGlassPrincipals: [dba] });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'DenyValueAccessToEveryoneElse', Condition: Match.objectLike({ StringNotEquals: Match.objectLike({ 'aws:PrincipalArn': Match.arrayWith([stack.resolve(dba.roleArn)]) }) }) })]) },
    });
  });

  test('the function is exempt from the secret\'s deny-others statement', () => {
    const { stack, db, t } = single();
    const roleArn = stack.resolve(db.rotationFunction.function.role!.roleArn);
    t.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      ResourcePolicy: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: Match.objectLike({ StringNotEquals: Match.objectLike({ 'aws:PrincipalArn': Match.arrayWith([roleArn]) }) }) })]) },
    });
  });
});

describe('RotatedDatabase alternating users', () => {
  test('master credentials from the superuser secret; our secret holds the app user with masterarn; the function reads both', () => {
    const { stack, vpc } = setup();
    const superuser = new ProtectedSecret(stack, 'Admin', {
      generateSecretString: { secretStringTemplate: '{"username":"admin"}', generateStringKey: 'password', excludeCharacters: '/"@' },
    });
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: superuser });
    expect(db.alternatingUsers).toBe(true);
    const t = Template.fromStack(stack);
    const adminId = logicalId(stack, superuser.secret);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: { 'Fn::Join': ['', ['{"username":"app","masterarn":"', { Ref: adminId }, '"}']] } }),
    });
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      MasterUsername: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: adminId }, ':SecretString:username::}}']] },
    });
    // Both secrets get connection fields.
    t.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 2);
    const roleId = stack.getLogicalId(db.rotationFunction.function.role!.node.defaultChild as any);
    // The superuser secret's own policy lets the function's role read it (and its deny exempts the role).
    t.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      SecretId: { Ref: adminId },
      ResourcePolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } },
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        })]),
      },
    });
  });
});

test('alternating users: the application secret names its user in the first-user tag, so its first rotation creates the user; no other secret has the tag', () => {
  // The rotation function creates a pair's user only when this tag names it (lambda/rotation/steps/set-secret.ts);
  // without it, the first rotation could not log in as a user nobody created and would fail.
  const { stack, vpc } = setup();
  const superuser = adminSecret(stack);
  const db = new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: superuser, username: 'orders' });
  const singleUserDb = new RotatedDatabase(stack, 'Single', { vpc, engine: mariadb });
  const resources = Template.fromStack(stack).toJSON().Resources;
  const tagsOf = (secret: ProtectedSecret) => resources[logicalId(stack, secret.secret)].Properties.Tags ?? [];
  expect(tagsOf(db.secret)).toContainEqual({ Key: 'cdk-protected-secrets:first-rotation-creates-user', Value: 'orders' });
  // ... and the superuser secret that may create it: the ARN the secret's masterarn holds, the database's own.
  expect(tagsOf(db.secret)).toContainEqual({ Key: 'cdk-protected-secrets:first-rotation-superuser', Value: { Ref: logicalId(stack, superuser.secret) } });
  for (const other of [superuser, singleUserDb.secret]) {
    expect(tagsOf(other).map((tag: { Key: string }) => tag.Key)).not.toContain('cdk-protected-secrets:first-rotation-creates-user');
  }
});

test('only the deployment may change the first-rotation tags of any secret the function rotates (the secrets\' policies, evaluated by an IAM policy engine)', async () => {
  // A principal that could rewrite the tags could aim the first rotation at another user or superuser secret
  // (lambda/rotation/steps/set-secret.ts). Callers: a writer of the secret who may also tag it, an administrator,
  // and CloudFormation's execution role, which writes the tags.
  const { stack, vpc } = setup();
  const superuser = adminSecret(stack);
  const db = new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: superuser, username: 'orders' });
  // A single-user database on the same (shared) function: a writer who could tag its secret with the first-rotation
  // tags, and write a masterarn and host of the other database into it, would get accounts created there.
  const singleUser = new RotatedDatabase(stack, 'Single', { vpc, engine: mariadb });
  expect(singleUser.rotationFunction).toBe(db.rotationFunction);
  const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
  db.secret.grantWrite(writer);
  singleUser.secret.grantWrite(writer);
  const template = new ResolvedTemplate(stack.stackName, Template.fromStack(stack).toJSON());
  const caller = (label: string, arn: string) => principalCaller(label, arn, [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }]);
  const writerArn: string = template.resolve({ 'Fn::GetAtt': [logicalId(stack, writer), 'Arn'] });
  const execRole = caller('execution role', `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`);
  const library = ['cdk-protected-secrets:first-rotation-superuser'];
  const mixed = ['team', 'cdk-protected-secrets:first-rotation-creates-user'];
  for (const secret of [db.secret, singleUser.secret]) {
    const secretArn: string = template.resolve({ Ref: logicalId(stack, secret.secret) });
    const policy = template.secretPolicies().get(secretArn);
    const decisions = async (who: Caller) => Promise.all([
      decide(who, 'secretsmanager:TagResource', secretArn, policy, { 'aws:TagKeys': library }),
      decide(who, 'secretsmanager:TagResource', secretArn, policy, { 'aws:TagKeys': mixed }),
      decide(who, 'secretsmanager:UntagResource', secretArn, policy, { 'aws:TagKeys': library }),
      decide(who, 'secretsmanager:TagResource', secretArn, policy, { 'aws:TagKeys': ['team'] }),
    ]);
    const deniedButOtherTags = ['ExplicitlyDenied', 'ExplicitlyDenied', 'ExplicitlyDenied', 'Allowed'];
    expect(await decisions(caller('writer', writerArn))).toEqual(deniedButOtherTags);
    expect(await decisions(caller('administrator', `arn:aws:iam::${ACCOUNT}:role/Admin`))).toEqual(deniedButOtherTags);
    expect(await decisions(execRole)).toEqual(['Allowed', 'Allowed', 'Allowed', 'Allowed']);
  }
});

// Review CV: not every secret the function rotates protects its tags (a plain secret given to addSecret, a
// ProtectedSecret with no known deployer). The function creates the first user only after a GetResourcePolicy on the
// secret succeeds, which only the deployment's statement allows the role, and only while the tags hold what it wrote.
test('the rotation role may confirm a first rotation (GetResourcePolicy) only on the secret the deployment tagged, and only while its tags hold the deployment\'s values (an IAM policy engine)', async () => {
  const { stack, vpc } = setup();
  const superuser = adminSecret(stack);
  const db = new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: superuser, username: 'orders' });
  const singleUser = new RotatedDatabase(stack, 'Single', { vpc, engine: mariadb });
  const plain = new secretsmanager.Secret(stack, 'Plain', { encryptionKey: new kms.Key(stack, 'PlainKey') });
  db.rotationFunction.addSecret(plain);
  const template = new ResolvedTemplate(stack.stackName, Template.fromStack(stack).toJSON());
  const role = db.rotationFunction.function.role!;
  const roleArn: string = template.resolve({ 'Fn::GetAtt': [logicalId(stack, role), 'Arn'] });
  const identity = template.identityPolicies().get(template.resolve({ Ref: logicalId(stack, role) }));
  const rotationRole = principalCaller('rotation role', roleArn, identity);
  const arnOf = (secret: secretsmanager.ISecret) => template.resolve({ Ref: logicalId(stack, secret) }) as string;
  const superuserArn = arnOf(superuser.secret);
  const confirm = (secretArn: string, user: string, superuserSecretArn: string) => decide(rotationRole, 'secretsmanager:GetResourcePolicy', secretArn,
    template.secretPolicies().get(secretArn), {
      'aws:ResourceTag/cdk-protected-secrets:first-rotation-creates-user': user,
      'aws:ResourceTag/cdk-protected-secrets:first-rotation-superuser': superuserSecretArn,
    });
  expect(await confirm(arnOf(db.secret.secret), 'orders', superuserArn)).toBe('Allowed');
  // Tags aimed at another user or another superuser secret (that of the single-user database, a served master).
  expect(await confirm(arnOf(db.secret.secret), 'intruder', superuserArn)).not.toBe('Allowed');
  expect(await confirm(arnOf(db.secret.secret), 'orders', arnOf(singleUser.secret.secret))).not.toBe('Allowed');
  // Secrets the deployment never tagged, whatever tags a writer gives them.
  expect(await confirm(arnOf(singleUser.secret.secret), 'orders', superuserArn)).not.toBe('Allowed');
  expect(await confirm(arnOf(plain), 'orders', superuserArn)).not.toBe('Allowed');
  // Review CW: the administrator of a rotated secret may allow that call in its own policy, so the superuser secret's
  // policy must name the secret too, and the role may read that policy. Read with the function's own parser.
  const superuserPolicy = template.secretPolicies().get(superuserArn);
  expect(await decide(rotationRole, 'secretsmanager:GetResourcePolicy', superuserArn, superuserPolicy)).toBe('Allowed');
  expect(namesFirstRotationSecret(JSON.stringify(superuserPolicy), arnOf(db.secret.secret))).toBe(true);
  for (const other of [singleUser.secret.secret, plain]) expect(namesFirstRotationSecret(JSON.stringify(superuserPolicy), arnOf(other))).toBe(false);
});

// The function's reading of the superuser secret's policy: only an Allow of GetResourcePolicy whose SecretId condition
// names the secret counts (review DA), whatever shape the JSON takes.
test('the function counts as consent only an Allow of GetResourcePolicy whose secretsmanager:SecretId condition names the secret', () => {
  const arn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:app-AbCdEf';
  const policy = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
  const consent = { Effect: 'Allow', Action: 'secretsmanager:GetResourcePolicy', Condition: { StringEquals: { 'secretsmanager:SecretId': arn } } };
  expect(namesFirstRotationSecret(policy(consent), arn)).toBe(true);
  expect(namesFirstRotationSecret(policy([{ ...consent, Action: ['secretsmanager:GetResourcePolicy'], Condition: { StringEquals: { 'secretsmanager:SecretId': ['x', arn] } } }]), arn)).toBe(true);
  expect(namesFirstRotationSecret(policy({ ...consent, Effect: 'Deny' }), arn)).toBe(false);
  expect(namesFirstRotationSecret(policy({ ...consent, Action: 'secretsmanager:DescribeSecret' }), arn)).toBe(false);
  expect(namesFirstRotationSecret(policy({ ...consent, Condition: { StringLike: { 'secretsmanager:SecretId': arn } } }), arn)).toBe(false);
  expect(namesFirstRotationSecret(policy(consent), `${arn}x`)).toBe(false);
  expect(namesFirstRotationSecret(undefined, arn)).toBe(false);
  expect(namesFirstRotationSecret('not JSON', arn)).toBe(false);
});

// The superuser secret's policy can name the rotated secret only when it is a secret of this app in the database's
// stack (an imported one takes no statement): otherwise the first rotation creates nothing, and synth says so.
test('an imported superuser secret gets a warning that the first rotation will not create the user; one of the stack none', () => {
  const { stack, vpc } = setup();
  const imported = secretsmanager.Secret.fromSecretAttributes(stack, 'Imported', {
    secretCompleteArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:admin-AbCdEf`, encryptionKey: new kms.Key(stack, 'ImportedKey'),
  });
  const own = adminSecret(stack);
  new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: imported, username: 'orders' });
  new RotatedDatabase(stack, 'Db2', { vpc, engine: mariadb, superuserSecret: own, username: 'billing' });
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('first-rotation-user'));
  expect(warnings.map(w => w.id)).toEqual(['/Test/Db']);
  expect(String(warnings[0].entry.data)).toMatch(/will not create orders and orders_clone\. For a new database, pass a ProtectedSecret of this stack.*`rotateImmediatelyOnUpdate: false`.*create orders with the AWSCURRENT password of this database's secret \(Test\/Db\/Secret\).*first rotation already ran needs nothing.*replaces its instance/);
});

test('alternating users: the application secret\'s first rotation waits for the superuser secret\'s policy and key, which grant the function its read', () => {
  // The function logs in with the superuser secret in setSecret; rotateImmediatelyOnUpdate starts the first rotation
  // as soon as the schedule exists, so the superuser secret's grants must exist by then.
  const { stack, vpc } = setup();
  const superuser = new ProtectedSecret(stack, 'Admin', {
    generateSecretString: { secretStringTemplate: '{"username":"admin"}', generateStringKey: 'password', excludeCharacters: '/"@' },
  });
  const db = new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: superuser });
  const t = Template.fromStack(stack).toJSON();
  const dependsOn: string[] = t.Resources[logicalId(stack, db.rotationSchedule)].DependsOn;
  expect(dependsOn).toContain(logicalId(stack, superuser.secret.node.findChild('Policy')));
  expect(dependsOn).toContain(logicalId(stack, superuser.encryptionKey!));
});

describe('RotatedDatabase grantConnect', () => {
  function withApp(iamAuthentication: boolean) {
    const { stack, vpc } = setup();
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, iamAuthentication });
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    return { stack, db, role };
  }

  test('grants rds-db:connect for the given database user when IAM authentication is on', () => {
    const { stack, db, role } = withApp(true);
    db.grantConnect(role, 'reporting');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'rds-db:connect', Resource: { 'Fn::Join': ['', Match.arrayWith(['/reporting'])] } })] },
    });
  });

  test('refuses without IAM authentication, naming the prop', () => {
    const { db, role } = withApp(false);
    expect(() => db.grantConnect(role, 'reporting')).toThrow(/`iamAuthentication: true`/);
  });

  // "A specific user can log in to a database using only one authentication method ... If the rds_iam role is added
  // to the master user, IAM authentication takes precedence over password authentication"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/database-authentication.html): a user the function
  // rotates by password, once made an IAM user, no longer logs in with the secret, and the next rotation fails.
  test('refuses a user the secret rotates by password, and needs the database user named', () => {
    const { db, role } = withApp(true);
    expect(() => (db.grantConnect as any)(role)).toThrow(/`dbUser` is required/);
    expect(() => db.grantConnect(role, 'dbadmin')).toThrow(/"dbadmin" is the user .* rotates by password/);
    const { stack, vpc } = setup();
    const superuser = new ProtectedSecret(stack, 'Admin', {
      readers: [new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() })],
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'dbadmin' }), generateStringKey: 'password', excludeCharacters: '/@"\\ \'' },
    });
    const alternating = new RotatedDatabase(stack, 'Alt', { vpc, engine: postgres, iamAuthentication: true, superuserSecret: superuser, username: 'orders' });
    expect(() => alternating.grantConnect(role, 'orders_clone')).toThrow(/"orders_clone" is the user .* rotates by password/);
    expect(() => alternating.grantConnect(role, 'orders')).toThrow(/rotates by password/);
  });

  // aws-cdk-lib's DatabaseInstance.grantConnect takes a falsy dbUser for the master user (the secret's username): the
  // rotated user in single-user mode, the superuser with alternating users, which the same page says "has to log in as
  // an IAM user" once given rds_iam (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/database-authentication.html).
  test('refuses an empty database user, which aws-cdk-lib would take for the master user (review DG)', () => {
    const { stack, db, role } = withApp(true);
    expect(() => db.grantConnect(role, '')).toThrow(/RotatedDatabase Test\/Db: grantConnect's `dbUser` is empty.*name a database user of your own/);
    expect(Template.fromStack(stack).findResources('AWS::IAM::Policy')).toEqual({});
  });

  test('alternating users: refuses the superuser by the name its secret\'s template gives it (review DG)', () => {
    const { stack, vpc } = setup();
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, iamAuthentication: true, superuserSecret: adminSecret(stack) });
    const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    expect(() => db.grantConnect(role, 'admin')).toThrow(/grantConnect's `dbUser` "admin" is the superuser `superuserSecret` .*logs in with by password/);
    expect(() => db.grantConnect(role, '')).toThrow(/`dbUser` is empty/);
    expect(() => db.grantConnect(role, 'reporting')).not.toThrow();
  });
});

describe('RotatedDatabase validation names the offending prop', () => {
  test.each<[string, Partial<RotatedDatabaseProps>, RegExp]>([
    ['unsupported engine', { engine: rds.DatabaseInstanceEngine.oracleSe2({ version: rds.OracleEngineVersion.VER_19 }) }, /`engine` must be PostgreSQL, MySQL or MariaDB/],
    ['bad username', { username: '1admin' }, /`username` must start with a letter/],
    ['both schedules', { automaticallyAfter: Duration.days(7), scheduleExpression: 'rate(7 days)' }, /either `automaticallyAfter` or `scheduleExpression`/],
    ['too frequent', { automaticallyAfter: Duration.hours(1) }, /`automaticallyAfter` rotates every 1 hour; Secrets Manager rotates at most every 4 hours/],
    ['bad expression', { scheduleExpression: 'every sunday' }, /`scheduleExpression` must be a rate\(...\) or cron\(...\)/],
    ['window too long', { rotationWindow: Duration.hours(30) }, /`rotationWindow` must be a whole number of hours from 1 to 24/],
    ['backups too long', { backupRetention: Duration.days(40) }, /`backupRetention` must be between 1 and 35 days/],
  ])('%s', (_name, extra, message) => {
    expect(() => single(extra)).toThrow(message);
  });

  test('a superuser secret on the AWS managed key', () => {
    const { stack, vpc } = setup();
    const plain = rds.DatabaseSecret.fromSecretCompleteArn(stack, 'Plain', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:admin-AbCdEf');
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, superuserSecret: plain })).toThrow(/`superuserSecret` must be encrypted with a customer-managed key/);
  });

  // RDS's CreateDBInstance MasterUsername: "Must be 1 to 16 letters, numbers, or underscores", whatever the engine
  // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).
  test.each([['postgres', postgres], ['mysql', mysql], ['mariadb', mariadb]] as const)(
    'single user: a %s master username of 17 characters, which RDS refuses, is refused at synth', (_name, engine) => {
      expect(() => single({ engine, username: 'a'.repeat(17) }))
        .toThrow(/`username` is the master user in single-user mode and RDS allows at most 16 characters \(CreateDBInstance MasterUsername, https:\/\/docs\.aws\.amazon\.com\/AmazonRDS\/latest\/APIReference\/API_CreateDBInstance\.html\), got 17/);
    });

  test('single user: a master username of 16 characters is accepted', () => {
    expect(() => single({ username: 'a'.repeat(16) })).not.toThrow();
  });

  test('alternating users: the application user is no master user, so the engine\'s own limit applies', () => {
    const { stack, vpc } = setup();
    const admin = new ProtectedSecret(stack, 'Admin', { generateSecretString: { secretStringTemplate: '{"username":"admin"}', generateStringKey: 'password', excludeCharacters: '/"@' } });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, superuserSecret: admin, username: 'a'.repeat(40) })).not.toThrow();
  });

  test('alternating users leave room for the _clone suffix', () => {
    const { stack, vpc } = setup();
    const admin = new ProtectedSecret(stack, 'Admin', { generateSecretString: { secretStringTemplate: '{"username":"admin"}', generateStringKey: 'password', excludeCharacters: '/"@' } });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin, username: 'a'.repeat(30) }))
      .toThrow(/`username` must be at most 26 characters for mariadb \(the _clone suffix must fit\)/);
  });
});

test('the first rotation waits, directly or through what it waits for, for every resource of the rotation function and the grants', () => {
  // rotateImmediatelyOnUpdate starts a rotation as soon as the schedule exists: the function, its role and policies,
  // its log and the log's key, its network rules and the secret's grants must all exist by then. CloudFormation
  // creates a resource after everything it names (Ref, Fn::GetAtt) or lists in DependsOn, so the check follows both
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html).
  const { stack, db, t } = single();
  const resources = t.toJSON().Resources as Record<string, any>;
  const named = (value: unknown, found = new Set<string>()): Set<string> => {
    if (Array.isArray(value)) {value.forEach(v => named(v, found));} else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'Ref' && typeof v === 'string' && resources[v]) found.add(v);
        else if (key === 'Fn::GetAtt' && Array.isArray(v) && resources[v[0]]) found.add(v[0]);
        else named(v, found);
      }
    }
    return found;
  };
  const before = new Set<string>();
  const visit = (id: string) => {
    for (const next of [...(resources[id].DependsOn ?? []), ...named(resources[id].Properties)]) {
      if (!before.has(next)) { before.add(next); visit(next); }
    }
  };
  const scheduleId = logicalId(stack, db.rotationSchedule);
  visit(scheduleId);
  const fn = stack.node.findAll().find(c => c instanceof RotationFunction) as RotationFunction;
  const functionResources = fn.node.findAll().filter(c => (c as any).cfnResourceType !== undefined).map(c => stack.getLogicalId(c as any));
  expect(functionResources.length).toBeGreaterThan(6);
  // The rules that let the function in (its endpoint's, the databases'), wherever they are written.
  const functionGroup = stack.getLogicalId(fn.connections.securityGroups[0].node.defaultChild as any);
  const letIn = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::EC2::SecurityGroupIngress' && JSON.stringify(r.Properties.SourceSecurityGroupId ?? '').includes(functionGroup))
    .map(([id]) => id);
  expect(letIn.length).toBeGreaterThanOrEqual(2);
  const missing = [...functionResources, ...letIn, logicalId(stack, db.secret.secret.node.findChild('Policy') as any)]
    .filter(id => !before.has(id));
  expect(missing).toEqual([]);
  const permissions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Permission').map(([id]) => id);
  expect(permissions.every(id => before.has(id))).toBe(true);
});

test.each([['single user', false], ['alternating users', true]] as const)(
  '%s: every first rotation waits for the DB instance itself, not only for a secret attachment', (_mode, alternating) => {
    // rotateImmediatelyOnUpdate rotates as soon as the schedule exists, and setSecret logs in to the instance.
    // CloudFormation creates a resource after everything it names or lists in DependsOn
    // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html).
    const { stack, vpc } = setup();
    const superuserSecret = alternating ? new ProtectedSecret(stack, 'Admin', {
      generateSecretString: { secretStringTemplate: '{"username":"admin"}', generateStringKey: 'password', excludeCharacters: '/"@' },
    }) : undefined;
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret });
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
    const instanceId = logicalId(stack, db.instance);
    expect(resources[instanceId].Type).toBe('AWS::RDS::DBInstance');
    const schedules = [db.rotationSchedule, db.superuserRotationSchedule].filter(s => s !== undefined);
    expect(schedules).toHaveLength(alternating ? 2 : 1);
    for (const schedule of schedules) expect(resources[logicalId(stack, schedule!)].DependsOn).toContain(instanceId);
  });

test('alternating users: the first rotation waits until the superuser\'s secret holds its host and port too', () => {
  // setSecret logs the superuser in only at the host and port its own secret names, and refuses a superuser secret
  // without them; the superuser's attachment writes them (SecretTargetAttachment "completes the final link ... by
  // adding the database connection information to the secret JSON",
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secrettargetattachment.html).
  const { stack, vpc } = setup();
  const superuserSecret = new ProtectedSecret(stack, 'Admin', {
    generateSecretString: { secretStringTemplate: '{"username":"admin"}', generateStringKey: 'password', excludeCharacters: '/"@' },
  });
  const db = new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
  const attachments = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SecretsManager::SecretTargetAttachment');
  const superuserId = logicalId(stack, superuserSecret.secret);
  const superuserAttachment = attachments.find(([, r]) => JSON.stringify(r.Properties.SecretId).includes(superuserId))![0];
  expect(resources[logicalId(stack, db.rotationSchedule)].DependsOn).toContain(superuserAttachment);
});

// Without a CloudFormation execution role, CloudFormation acts as whoever deploys: it resolves the instance's
// `{{resolve:secretsmanager:...}}` master password and the attachment writes the host into the secret as that
// principal, which the secret's deny refuses unless it is listed. The database constructs took no `deployRoles`, so
// the warning named a prop they do not have and the deployment could not succeed.
describe('a database deployed without a CloudFormation service role', () => {
  function cliStack() {
    const stack = new Stack(new App(), 'Test', { env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    return { stack, vpc };
  }
  const denyOf = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::SecretsManager::ResourcePolicy'))
    .map(p => p.Properties.ResourcePolicy.Statement.find((st: any) => st.Sid === 'DenyValueAccessToEveryoneElse'));

  const databases: [string, (stack: Stack, vpc: ec2.IVpc, deployRoles?: iam.IPrincipal[]) => RotatedDatabase | RotatedAuroraCluster][] = [
    ['RotatedDatabase', (stack, vpc, deployRoles) => new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, deployRoles })],
    ['RotatedAuroraCluster', (stack, vpc, deployRoles) => new RotatedAuroraCluster(stack, 'Db', {
      vpc, engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 }), deployRoles,
    })],
  ];
  const DEPLOYER = 'arn:aws:iam::111111111111:role/platform-deployer';

  test.each(databases)('%s takes deployRoles: the deployer is exempt from the secret\'s deny, and nothing warns', (_name, build) => {
    const { stack, vpc } = cliStack();
    build(stack, vpc, [iam.Role.fromRoleArn(stack, 'Deployer', DEPLOYER)]);
    const [deny] = denyOf(stack);
    expect(deny.Condition.StringNotEquals['aws:PrincipalArn']).toContain(DEPLOYER);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('deployRoles'))).toHaveLength(0);
  });

  // Review DQ: the proof key's deny of changes exempted the rotation role and the synthesizer's execution role only,
  // which these synthesizers do not name: the deployRoles the database was given (as the warning asks) never reached
  // it, so a later stack update that changes the proof key (its description, key or generated value) would be denied
  // to whoever deploys. CloudFormation acts as that person, through a forward access session
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/fas-requests-and-permission-evaluation.html).
  const THROUGH_CLOUDFORMATION = { 'aws:CalledVia': ['cloudformation.amazonaws.com'], 'aws:ViaAWSService': 'true' };
  const ADMINISTRATOR = `arn:aws:iam::${ACCOUNT}:role/Administrator`;
  /** What `principalArn`, with AdministratorAccess and through CloudFormation, may do to the function's proof key. */
  async function onProofKey(stack: Stack, rotationFunction: RotationFunction, principalArn: string) {
    const t = new ResolvedTemplate(stack.stackName, Template.fromStack(stack).toJSON());
    const proofKeyArn: string = t.resolve({ Ref: stack.getLogicalId(rotationFunction.node.findChild('ProofKey') as CfnElement) });
    const caller = principalCaller('deployer', principalArn, [{ Effect: 'Allow', Action: '*', Resource: '*' }], THROUGH_CLOUDFORMATION);
    return Promise.all(['UpdateSecret', 'PutSecretValue', 'GetSecretValue']
      .map(action => decide(caller, `secretsmanager:${action}`, proofKeyArn, t.secretPolicies().get(proofKeyArn))));
  }
  const proofKeyExempt = (stack: Stack, rotationFunction: RotationFunction) => Template.fromStack(stack).toJSON()
    .Resources[stack.getLogicalId(rotationFunction.node.findChild('ProofKeyPolicy') as CfnElement)].Properties.ResourcePolicy.Statement
    .find((st: any) => st.Sid === 'NobodyButTheDeployerChangesIt').Condition.StringNotEquals['aws:PrincipalArn'];

  test.each(databases)('%s deployRoles may update the rotation function\'s proof key through CloudFormation; nobody else may, and none may read it', async (_name, build) => {
    const { stack, vpc } = cliStack();
    const db = build(stack, vpc, [iam.Role.fromRoleArn(stack, 'Deployer', DEPLOYER)]);
    expect(await onProofKey(stack, db.rotationFunction, DEPLOYER)).toEqual(['Allowed', 'Allowed', 'ExplicitlyDenied']);
    expect(await onProofKey(stack, db.rotationFunction, ADMINISTRATOR)).toEqual(['ExplicitlyDenied', 'ExplicitlyDenied', 'ExplicitlyDenied']);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('noDeployRole'))).toHaveLength(0);
  });

  test.each(databases)('%s without deployRoles: the rotation function warns, as the secret does, that nobody may update its proof key', (_name, build) => {
    const { stack, vpc } = cliStack();
    const db = build(stack, vpc);
    Annotations.fromStack(stack).hasWarning(`/${db.rotationFunction.node.path}`,
      Match.stringLikeRegexp('RotationFunction .*names no CloudFormation execution role.*proof key.*cdk-protected-secrets:noDeployRole'));
    expect(proofKeyExempt(stack, db.rotationFunction)).toEqual([stack.resolve(db.rotationFunction.function.role!.roleArn)]);
  });

  test('a function created before its databases exempts its own deployRoles and those of every database it serves', async () => {
    const { stack, vpc } = cliStack();
    const pipeline = 'arn:aws:iam::111111111111:role/pipeline';
    const dba = 'arn:aws:iam::111111111111:role/dba-deployer';
    const fn = new RotationFunction(stack, 'Rotation', { vpc, deployRoles: [iam.Role.fromRoleArn(stack, 'Pipeline', pipeline)] });
    new RotatedDatabase(stack, 'Orders', { vpc, engine: postgres, rotationFunction: fn, deployRoles: [iam.Role.fromRoleArn(stack, 'Deployer', DEPLOYER)] });
    new RotatedDatabase(stack, 'Billing', { vpc, engine: mariadb, rotationFunction: fn, deployRoles: [iam.Role.fromRoleArn(stack, 'Dba', dba)] });
    for (const deployer of [pipeline, DEPLOYER, dba]) {
      expect(await onProofKey(stack, fn, deployer)).toEqual(['Allowed', 'Allowed', 'ExplicitlyDenied']);
    }
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('noDeployRole'))).toHaveLength(0);
  });

  test('under the default synthesizer the execution role stays exempt beside the deployRoles, and nothing warns', () => {
    const { stack, vpc } = setup();
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, deployRoles: [iam.Role.fromRoleArn(stack, 'Deployer', DEPLOYER)] });
    const plain = new RotatedDatabase(stack, 'Plain', { vpc, engine: postgres });
    expect(plain.rotationFunction).toBe(db.rotationFunction);
    expect(stack.resolve(proofKeyExempt(stack, db.rotationFunction))).toEqual([
      stack.resolve(db.rotationFunction.function.role!.roleArn),
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ENV.account}:role/cdk-hnb659fds-cfn-exec-role-${ENV.account}-${ENV.region}`]] },
      DEPLOYER,
    ]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('noDeployRole'))).toHaveLength(0);
  });

  // Review DT: the proof key changes when the Network stack deploys, as the Network stack's deployer. The Data stack's
  // deployers exempted there would leave that one denied (the warning silenced) and could rewrite the key that signs
  // the rotations of every stack the function serves.
  test('the deployRoles of a database in another stack than the proof key are not exempted on it: the function names whose it needs, and warns', () => {
    const app = new App();
    const network = new Stack(app, 'Network', { env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const data = new Stack(app, 'Data', { env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
    const created = new iam.Role(data, 'CreatedDeployer', { assumedBy: new iam.AccountRootPrincipal() });
    const db = new RotatedDatabase(data, 'Db', { vpc, engine: postgres, deployRoles: [created, iam.Role.fromRoleArn(data, 'Deployer', DEPLOYER)] });
    expect(() => app.synth()).not.toThrow();
    expect(proofKeyExempt(network, db.rotationFunction)).toEqual([network.resolve(db.rotationFunction.function.role!.roleArn)]);
    Annotations.fromStack(network).hasInfo(`/${db.rotationFunction.node.path}`,
      Match.stringLikeRegexp('the `deployRoles` given for Data/Db/Secret deploy Data, not Network, which holds the function\'s proof key.*RotationFunction.shared'));
    Annotations.fromStack(network).hasWarning(`/${db.rotationFunction.node.path}`, Match.stringLikeRegexp('cdk-protected-secrets:noDeployRole'));
  });

  // As the info and README say: the function with the Network stack's deployer, given to the database. A VPC with
  // egress and isolated subnets (review DU): `shared` alone would pick the egress subnets and the database another
  // function on its isolated ones.
  test('the Network stack\'s deployer given to the shared function of a Data stack\'s databases is exempt on its proof key, and nothing warns', async () => {
    const app = new App();
    const network = new Stack(app, 'Network', { env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
    const vpc = new ec2.Vpc(network, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC },
        { name: 'apps', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      ],
    });
    const data = new Stack(app, 'Data', { env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
    const fn = RotationFunction.shared(data, { vpc, deployRoles: [iam.Role.fromRoleArn(data, 'NetworkDeployer', DEPLOYER)] });
    const db = new RotatedDatabase(data, 'Db', { vpc, engine: postgres, rotationFunction: fn });
    expect(db.rotationFunction).toBe(fn);
    Template.fromStack(network).resourceCountIs('AWS::Lambda::Function', 1);
    expect(await onProofKey(network, fn, DEPLOYER)).toEqual(['Allowed', 'Allowed', 'ExplicitlyDenied']);
    expect(Annotations.fromStack(network).findWarning('*', Match.stringLikeRegexp('noDeployRole'))).toHaveLength(0);
  });
});

// Defects found by an independent review of input validation: each is reported as one of this library's errors,
// naming the prop, rather than a TypeError, a garbled token number or an aws-cdk-lib message that names neither.
describe('RotatedDatabase refuses, naming the prop', () => {
  test('no engine (from JavaScript): the library\'s own error, not a TypeError', () => {
    const { stack, vpc } = setup();
    expect(() => new RotatedDatabase(stack, 'Db', { vpc } as any)).toThrow(/`engine` is required/);
  });

  // CreateDBInstance DBName: PostgreSQL 1 to 63, MySQL and MariaDB 1 to 64; begins with a letter; then letters,
  // digits and underscores (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).
  test.each<[string, rds.IInstanceEngine, string]>([
    ['a hyphen', postgres, 'my-db'],
    ['a leading digit', mysql, '1db'],
    ['64 characters on PostgreSQL', postgres, 'a'.repeat(64)],
    ['65 characters on MariaDB', mariadb, 'a'.repeat(65)],
    ['an empty name', postgres, ''],
  ])('a databaseName with %s', (_name, engine, databaseName) => {
    expect(() => single({ engine, databaseName })).toThrow(/`databaseName`/);
  });

  test.each<[string, rds.IInstanceEngine, string]>([
    ['63 characters on PostgreSQL', postgres, 'a'.repeat(63)],
    ['64 characters on MySQL', mysql, 'a'.repeat(64)],
    ['underscores and digits', mariadb, 'orders_2'],
  ])('a databaseName with %s is accepted', (_name, engine, databaseName) => {
    expect(() => single({ engine, databaseName })).not.toThrow();
  });

  // IAM database authentication on RDS for MariaDB: 10.11, 11.4 and 11.8 only, "Not available" for 10.4, 10.5 and 10.6
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.RDS_Fea_Regions_DB-eng.Feature.IamDatabaseAuthentication.html).
  test.each([
    ['10.4', rds.MariaDbEngineVersion.VER_10_4],
    ['10.5', rds.MariaDbEngineVersion.VER_10_5],
    ['10.6', rds.MariaDbEngineVersion.VER_10_6_22],
  ])('iamAuthentication on MariaDB %s', (version, engineVersion) => {
    expect(() => single({ engine: rds.DatabaseInstanceEngine.mariaDb({ version: engineVersion }), iamAuthentication: true }))
      .toThrow(new RegExp(`\`iamAuthentication\` is not available on RDS for MariaDB ${version.replace('.', '\\.')}.*10\\.11`));
  });

  test('iamAuthentication on MariaDB 10.11 is accepted', () => {
    const engine = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_10_11 });
    expect(() => single({ engine, iamAuthentication: true })).not.toThrow();
  });

  test('a port given as a token: refused with the reason, without the token\'s number', () => {
    let message = '';
    try {
      single({ port: Token.asNumber({ Ref: 'PortParameter' }) });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/`port` must be a number at synth, not a token/);
    expect(message).not.toMatch(/e\+\d{3}/);
  });

  test('a backupRetention that is no whole number of days', () => {
    expect(() => single({ backupRetention: Duration.hours(36) })).toThrow(/`backupRetention` must be a whole number of days.*got 1 day 12 hours/);
  });

  test('a monitoringInterval that is no whole number of seconds', () => {
    expect(() => single({ monitoringInterval: Duration.millis(1500) })).toThrow(/`monitoringInterval` must be 0 \(off\), 1, 5, 10, 15, 30 or 60 seconds, got 1\.5/);
  });

  test('rotateSuperuser: true without superuserSecret', () => {
    expect(() => single({ rotateSuperuser: true })).toThrow(/`rotateSuperuser` applies only with `superuserSecret`/);
  });

  test('rotateSuperuser: false without superuserSecret is a no-op a wrapper may pass through', () => {
    expect(() => single({ rotateSuperuser: false })).not.toThrow();
  });

  test('rotationFunctionSubnets that select public subnets by group name', () => {
    const { stack, vpc } = setup({ name: 'web', subnetType: ec2.SubnetType.PUBLIC });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, rotationFunctionSubnets: { subnetGroupName: 'web' } }))
      .toThrow(/`rotationFunctionSubnets` selects public subnets/);
  });
});

describe('groups a database still uses when the stack is deleted (review AJ)', () => {
  const deletionPolicies = (t: Template, type: string) => Object.values(t.findResources(type)).map((r: any) => r.DeletionPolicy);

  test('a MySQL or MariaDB instance keeps its option group, which its final snapshot (SNAPSHOT, the default) still uses', () => {
    for (const engine of [mysql, mariadb]) {
      expect(deletionPolicies(single({ engine }).t, 'AWS::RDS::OptionGroup')).toEqual(['RetainExceptOnCreate']);
    }
    // No final snapshot with DESTROY: the group goes with the instance.
    expect(deletionPolicies(single({ engine: mysql, removalPolicy: RemovalPolicy.DESTROY }).t, 'AWS::RDS::OptionGroup')).toEqual([undefined]);
  });

  test('a retained instance keeps the parameter group, option group and security group it still uses', () => {
    const { stack, db, t } = single({ engine: mariadb, removalPolicy: RemovalPolicy.RETAIN });
    expect(deletionPolicies(t, 'AWS::RDS::DBParameterGroup')).toEqual(['Retain']);
    expect(deletionPolicies(t, 'AWS::RDS::OptionGroup')).toEqual(['Retain']);
    expect(t.toJSON().Resources[logicalId(stack, db.connections.securityGroups[0])].DeletionPolicy).toBe('Retain');
    // The default (SNAPSHOT) deletes the instance, so its parameter and security groups can go.
    const defaults = single({ engine: mariadb });
    expect(deletionPolicies(defaults.t, 'AWS::RDS::DBParameterGroup')).toEqual([undefined]);
    expect(defaults.t.toJSON().Resources[logicalId(defaults.stack, defaults.db.connections.securityGroups[0])].DeletionPolicy).toBeUndefined();
  });

  test('a shared group keeps the strongest policy of the databases that use it, whatever their order (review AK)', () => {
    for (const order of [[RemovalPolicy.RETAIN, undefined], [undefined, RemovalPolicy.RETAIN]]) {
      const { stack, vpc } = setup();
      order.forEach((removalPolicy, i) => new RotatedDatabase(stack, `Db${i}`, { vpc, engine: mariadb, removalPolicy }));
      const t = Template.fromStack(stack);
      expect(deletionPolicies(t, 'AWS::RDS::OptionGroup')).toEqual(['Retain']);
      expect(deletionPolicies(t, 'AWS::RDS::DBParameterGroup')).toEqual(['Retain']);
      expect(deletionPolicies(t, 'AWS::RDS::DBSubnetGroup')).toEqual(['Retain']);
    }
  });

  test('RETAIN_ON_UPDATE_OR_DELETE keeps the groups too, except when the deploy that creates them rolls back (review AK)', () => {
    const { stack, db, t } = single({ engine: mariadb, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    for (const type of ['AWS::RDS::DBParameterGroup', 'AWS::RDS::OptionGroup', 'AWS::RDS::DBSubnetGroup']) {
      expect([type, deletionPolicies(t, type)]).toEqual([type, ['RetainExceptOnCreate']]);
    }
    expect(t.toJSON().Resources[logicalId(stack, db.connections.securityGroups[0])].DeletionPolicy).toBe('RetainExceptOnCreate');
    const targets = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).filter(([id]) => id.startsWith('ProtectedSecretsRotationTargets'));
    expect(targets.map(([, r]) => r.DeletionPolicy)).toEqual(['RetainExceptOnCreate']);
  });

  test('a database\'s own subnet group (shareDbSubnetGroups false) is kept under RETAIN_ON_UPDATE_OR_DELETE too (review AM)', () => {
    const app = new App({ context: { 'cdk-protected-secrets:shareDbSubnetGroups': false } });
    const stack = new Stack(app, 'Test', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE });
    new RotatedAuroraCluster(stack, 'Aurora', {
      vpc,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    expect(deletionPolicies(Template.fromStack(stack), 'AWS::RDS::DBSubnetGroup')).toEqual(['RetainExceptOnCreate', 'RetainExceptOnCreate']);
  });

  test('a retained Aurora cluster keeps its cluster parameter group and security group', () => {
    const { stack, vpc } = setup();
    const cluster = new RotatedAuroraCluster(stack, 'C', {
      vpc,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 }),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const t = Template.fromStack(stack);
    expect(deletionPolicies(t, 'AWS::RDS::DBClusterParameterGroup')).toEqual(['Retain']);
    expect(t.toJSON().Resources[logicalId(stack, cluster.connections.securityGroups[0])].DeletionPolicy).toBe('Retain');
  });

  test('a versionless engine is refused naming the construct and `engine`', () => {
    const { stack, vpc } = setup();
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: rds.DatabaseInstanceEngine.POSTGRES }))
      .toThrow(/RotatedDatabase Test\/Db: .*`engine` must name a version .*got postgres without one/s);
    expect(() => new RotatedAuroraCluster(stack, 'C', { vpc, engine: rds.DatabaseClusterEngine.AURORA_POSTGRESQL }))
      .toThrow(/RotatedAuroraCluster Test\/C: .*`engine` must name a version .*got aurora-postgresql without one/s);
  });

  test('allowMajorVersionUpgrade reaches the instance (off by default: a major upgrade takes the database offline)', () => {
    const allowed = (extra: Partial<RotatedDatabaseProps>) =>
      Object.values(single(extra).t.findResources('AWS::RDS::DBInstance'))[0].Properties.AllowMajorVersionUpgrade;
    expect(allowed({ allowMajorVersionUpgrade: true })).toBe(true);
    expect(allowed({})).toBeUndefined();
  });
});

describe('engine parameters and maintenance windows', () => {
  const groups = (t: Template) => Object.values(t.findResources('AWS::RDS::DBParameterGroup')).map(r => r.Properties.Parameters);
  const instances = (t: Template) => Object.values(t.findResources('AWS::RDS::DBInstance')).map(r => r.Properties);

  test('parameters join the construct\'s own in the group; the TLS requirement stays', () => {
    const { t } = single({ parameters: { 'log_min_duration_statement': '500', 'pgaudit.log': 'ddl', 'password_encryption': 'scram-sha-256' } });
    expect(groups(t)).toEqual([{ 'log_min_duration_statement': '500', 'pgaudit.log': 'ddl', 'password_encryption': 'scram-sha-256', 'rds.force_ssl': '1' }]);
  });

  test('a database with parameters has a group of its own, which a change of them modifies in place; one without keeps the shared group', () => {
    const build = (work_mem: string) => {
      const { stack, vpc } = setup();
      const a = new RotatedDatabase(stack, 'A', { vpc, engine: postgres, parameters: { work_mem, log_connections: '1' } });
      const b = new RotatedDatabase(stack, 'B', { vpc, engine: postgres, parameters: { work_mem, log_connections: '1' } });
      const plain = new RotatedDatabase(stack, 'Plain', { vpc, engine: postgres });
      const group = (db: RotatedDatabase) => stack.resolve((db.instance.node.defaultChild as rds.CfnDBInstance).dbParameterGroupName).Ref;
      return { a: group(a), b: group(b), plain: group(plain), t: Template.fromStack(stack) };
    };
    const before = build('8192');
    const after = build('4096');
    expect(new Set([before.a, before.b, before.plain]).size).toBe(3);
    // The same logical ID with another value: CloudFormation updates the group, and RDS applies a dynamic parameter at once.
    expect(after.a).toBe(before.a);
    expect(after.t.toJSON().Resources[after.a].Properties.Parameters).toEqual({ 'work_mem': '4096', 'log_connections': '1', 'rds.force_ssl': '1' });
    // The group of a database without parameters keeps the logical ID earlier versions of the library gave it.
    expect([before.plain]).toEqual(Object.keys(single().t.findResources('AWS::RDS::DBParameterGroup')));
  });

  test.each<[string, rds.IInstanceEngine, string]>([
    ['rds.force_ssl on PostgreSQL', postgres, 'rds.force_ssl'],
    ['RDS.FORCE_SSL in capitals', postgres, 'RDS.FORCE_SSL'],
    ['require_secure_transport on MariaDB', mariadb, 'require_secure_transport'],
    ['require_secure_transport on MySQL', mysql, 'require_secure_transport'],
  ])('a parameter the construct sets is refused with another value, accepted with its own under its own name: %s', (_name, engine, name) => {
    expect(() => single({ engine, parameters: { [name]: '0' } }))
      .toThrow(new RegExp(`\`parameters\` must not set "${name.replace('.', '\\.')}" to "0": the construct sets .* so that connections without TLS are refused`));
    // In another case the name would be a second key of the group beside the construct's (review AS).
    const own = name === name.toLowerCase();
    if (own) expect(() => single({ engine, parameters: { [name]: 'ON' } })).not.toThrow();
    else expect(() => single({ engine, parameters: { [name]: 'ON' } })).toThrow(/names "RDS\.FORCE_SSL", the construct's own rds\.force_ssl spelt otherwise.*write "rds\.force_ssl"/);
  });

  // Review AS: a token password_encryption may be md5; a versionless engine is refused for itself, not described as a token.
  test('statement logging beside a token password_encryption is refused on PostgreSQL 17 too', () => {
    expect(() => single({ parameters: { password_encryption: Token.asString({ Ref: 'Encryption' }), log_statement: 'all' } }))
      .toThrow(/"log_statement": "all" writes .*here a token that may be md5/);
  });

  // Review AT: pgaudit writes CREATE/ALTER ROLE with what follows the password token replaced by <REDACTED>
  // (https://github.com/pgaudit/pgaudit/blob/main/pgaudit.c), so no pgaudit class is refused.
  test.each(['all', 'role', '"ROLE"', 'read, role'])('pgaudit.log %s is accepted on PostgreSQL 13', value => {
    expect(() => single({ engine: pg13, parameters: { 'pgaudit.log': value } })).not.toThrow();
  });

  test('a versionless engine with statement logging is refused for the version, not described as a token', () => {
    let message = '';
    try {
      single({ engine: rds.DatabaseInstanceEngine.POSTGRES, parameters: { log_statement: 'ddl' } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/`engine` must name a version/);
    expect(message).not.toMatch(/token/);
  });

  // Review AP: the rotation's ALTER USER carries a verifier of password_encryption, and an md5 one logs in as the user
  // (https://www.postgresql.org/docs/current/auth-password.html).
  test.each<[string, Record<string, string>, RegExp]>([
    ['an md5 password_encryption', { password_encryption: 'md5' }, /`parameters` must not set "password_encryption" to "md5".*Use "scram-sha-256"/],
    ['log_statement ddl without SCRAM pinned', { log_statement: 'ddl' }, /"log_statement": "ddl" writes the rotation's `ALTER USER \.\.\. PASSWORD` statements.*Add `password_encryption: 'scram-sha-256'`/],
    ['log_statement all', { log_statement: 'ALL' }, /"log_statement": "ALL" writes/],
    ['log_min_duration_statement', { log_min_duration_statement: '0' }, /"log_min_duration_statement": "0" writes/],
  ])('PostgreSQL 13 (md5 by default) refuses %s', (_name, parameters, message) => {
    expect(() => single({ engine: pg13, parameters })).toThrow(message);
  });

  // Review AR: from 14 on the statements carry SCRAM verifiers (the default), so logging them is no leak of a login.
  test('PostgreSQL 14 and later take statement logging without SCRAM pinned, and still refuse an md5 password_encryption', () => {
    expect(() => single({ parameters: { 'log_statement': 'ddl', 'log_lock_waits': '1', 'pgaudit.log': 'all' } })).not.toThrow();
    expect(() => single({ parameters: { password_encryption: 'md5' } })).toThrow(/must not set "password_encryption" to "md5"/);
  });

  test.each<[string, rds.IInstanceEngine, Record<string, string>]>([
    ['statement logging with SCRAM pinned', postgres, { 'log_statement': 'ddl', 'pgaudit.log': 'all', 'password_encryption': 'SCRAM-SHA-256' }],
    ['logging that writes no DDL', pg13, { 'log_statement': 'none', 'log_min_duration_statement': '-1', 'pgaudit.log': 'read,write,-ddl' }],
    ['log_statement on MariaDB, which has no such parameter to leak through', mariadb, { log_statement: 'ddl' }],
  ])('accepted: %s', (_name, engine, parameters) => {
    expect(() => single({ engine, parameters })).not.toThrow();
  });

  // Review AQ: statement text reaches the log by other parameters too, and by default on an md5 server.
  test.each<[string, Record<string, string>]>([
    ['log_lock_waits', { log_lock_waits: 'on' }],
    ['log_transaction_sample_rate', { log_transaction_sample_rate: '0.5' }],
    ['log_min_duration_sample', { log_min_duration_sample: '100' }],
    ['debug_print_parse', { debug_print_parse: '1' }],
  ])('PostgreSQL 13 refuses %s without SCRAM pinned', (name, parameters) => {
    expect(() => single({ engine: pg13, parameters })).toThrow(new RegExp(`"${name}": "[^"]+" writes the rotation's.*md5 by default on PostgreSQL 13`));
    expect(() => single({ engine: pg13, parameters: { ...parameters, password_encryption: 'scram-sha-256' } })).not.toThrow();
  });

  test('PostgreSQL before 14 (md5 by default) warns unless SCRAM is pinned; 14 and later do not', () => {
    const md5Warnings = (engine: rds.IInstanceEngine, parameters?: Record<string, string>) => {
      const { stack } = single({ engine, parameters });
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('postgres-md5-verifiers')).map(w => w.entry.data);
    };
    expect(md5Warnings(pg13)).toEqual([expect.stringMatching(/`engine` is PostgreSQL 13, whose default password_encryption is md5.*password_encryption: 'scram-sha-256'/)]);
    expect(md5Warnings(pg13, { password_encryption: 'scram-sha-256' })).toEqual([]);
    expect(md5Warnings(postgres)).toEqual([]);
    // The boundary itself: 14 is the first SCRAM default (review BT).
    const pg14 = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.of('14.17', '14') });
    expect(md5Warnings(pg14)).toEqual([]);
    expect(() => single({ engine: pg14, parameters: { log_lock_waits: 'on' } })).not.toThrow();
  });

  test('maintenance and backup windows reach the instance', () => {
    const { t } = single({ preferredMaintenanceWindow: 'Sun:03:00-Sun:04:00', preferredBackupWindow: '01:00-01:30' });
    expect(instances(t)[0]).toMatchObject({ PreferredMaintenanceWindow: 'Sun:03:00-Sun:04:00', PreferredBackupWindow: '01:00-01:30' });
  });

  // CreateDBInstance: PreferredMaintenanceWindow "ddd:hh24:mi-ddd:hh24:mi", days mon to sun, "at least 30 minutes", not
  // conflicting with the backup window; PreferredBackupWindow "hh24:mi-hh24:mi", "at least 30 minutes"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).
  test.each<[string, Partial<RotatedDatabaseProps>, RegExp]>([
    ['a maintenance window without days', { preferredMaintenanceWindow: '03:00-04:00' }, /`preferredMaintenanceWindow` must be ddd:hh24:mi-ddd:hh24:mi .*"sun:03:00-sun:04:00", got "03:00-04:00"/],
    ['a maintenance window on no day', { preferredMaintenanceWindow: 'sunday:03:00-sunday:04:00' }, /`preferredMaintenanceWindow` must be ddd:hh24:mi-ddd:hh24:mi/],
    ['an hour 24', { preferredMaintenanceWindow: 'mon:24:00-tue:01:00' }, /`preferredMaintenanceWindow` must be/],
    ['a short maintenance window', { preferredMaintenanceWindow: 'sun:03:00-sun:03:20' }, /`preferredMaintenanceWindow` must be at least 30 minutes long.*\(20 minutes\)/],
    ['a short maintenance window over the week\'s end', { preferredMaintenanceWindow: 'sun:23:50-mon:00:10' }, /at least 30 minutes.*\(20 minutes\)/],
    ['a backup window with days', { preferredBackupWindow: 'sun:01:00-sun:02:00' }, /`preferredBackupWindow` must be hh24:mi-hh24:mi in UTC, for example "01:00-02:00"/],
    ['a short backup window', { preferredBackupWindow: '23:50-00:10' }, /`preferredBackupWindow` must be at least 30 minutes long.*\(20 minutes\)/],
    ['overlapping windows', { preferredMaintenanceWindow: 'wed:01:30-wed:02:30', preferredBackupWindow: '01:00-02:00' },
      /`preferredBackupWindow` "01:00-02:00" overlaps `preferredMaintenanceWindow` "wed:01:30-wed:02:30"/],
    ['a backup window inside a long maintenance window', { preferredMaintenanceWindow: 'fri:22:00-sat:06:00', preferredBackupWindow: '02:00-02:30' },
      /overlaps `preferredMaintenanceWindow`/],
    ['windows overlapping past midnight', { preferredMaintenanceWindow: 'mon:00:00-mon:00:30', preferredBackupWindow: '23:45-00:15' }, /overlaps/],
  ])('refused: %s', (_name, extra, message) => {
    expect(() => single(extra)).toThrow(message);
  });

  test.each<[string, Partial<RotatedDatabaseProps>]>([
    ['windows that meet', { preferredMaintenanceWindow: 'sun:02:00-sun:03:00', preferredBackupWindow: '01:30-02:00' }],
    ['a maintenance window over the week\'s end', { preferredMaintenanceWindow: 'sun:23:30-mon:00:30', preferredBackupWindow: '03:00-03:30' }],
    ['a backup window past midnight', { preferredBackupWindow: '23:45-00:15' }],
    ['tokens', { preferredMaintenanceWindow: Token.asString({ Ref: 'Window' }), preferredBackupWindow: Token.asString({ Ref: 'Backup' }) }],
  ])('accepted: %s', (_name, extra) => {
    expect(() => single(extra)).not.toThrow();
  });
});

describe('the secret\'s key outlives the data it encrypts (review AO)', () => {
  const keyPolicies = (stack: Stack, secret: ProtectedSecret) => {
    const key = Template.fromStack(stack).toJSON().Resources[logicalId(stack, secret.encryptionKey as kms.Key)];
    return [key.DeletionPolicy, key.UpdateReplacePolicy];
  };

  test.each<[string, RemovalPolicy | undefined]>([
    ['a final snapshot (the default SNAPSHOT)', undefined],
    ['the database itself (RETAIN)', RemovalPolicy.RETAIN],
  ])('db.secret.applyRemovalPolicy(DESTROY) deletes the secret but keeps the key that encrypts %s', (_name, removalPolicy) => {
    const { stack, vpc } = setup();
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, removalPolicy, deletionProtection: false });
    db.secret.applyRemovalPolicy(RemovalPolicy.DESTROY);
    const t = Template.fromStack(stack);
    expect(Object.values(t.findResources('AWS::SecretsManager::Secret')).map(r => r.DeletionPolicy)).toEqual(['Delete']);
    expect(keyPolicies(stack, db.secret)).toEqual(['RetainExceptOnCreate', 'Retain']);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('key-kept-for-database'));
    expect(warnings.map(w => w.entry.data)).toEqual([expect.stringMatching(/Test\/Db\/Secret.*keeps its KMS key.*encrypts the storage of Test\/Db/)]);
  });

  test('with the database destroyed too, the key goes with it', () => {
    const { stack, vpc } = setup();
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, removalPolicy: RemovalPolicy.DESTROY });
    db.secret.applyRemovalPolicy(RemovalPolicy.DESTROY);
    expect(keyPolicies(stack, db.secret)).toEqual(['Delete', 'Delete']);
  });

  // Review AQ: the key of another ProtectedSecret encrypting the database, and removal policies set other ways.
  test('a key shared from another ProtectedSecret is kept the same way', () => {
    const { stack, vpc } = setup();
    const api = new ProtectedSecret(stack, 'Api', { readers: [new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() })] });
    new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, encryptionKey: api.encryptionKey });
    api.applyRemovalPolicy(RemovalPolicy.DESTROY);
    expect(keyPolicies(stack, api)).toEqual(['RetainExceptOnCreate', 'Retain']);
  });

  test.each<[string, (stack: Stack, db: RotatedDatabase) => void]>([
    ['RemovalPolicies.of(...).destroy()', (_stack, db) => RemovalPolicies.of(db.secret).destroy()],
    ['the key\'s own applyRemovalPolicy', (_stack, db) => (db.secret.encryptionKey as kms.Key).applyRemovalPolicy(RemovalPolicy.DESTROY)],
  ])('a removal policy that deletes the storage key of a kept database another way is refused: %s', (_name, destroy) => {
    const { stack, vpc } = setup();
    const db = new RotatedDatabase(stack, 'Db', { vpc, engine: postgres });
    destroy(stack, db);
    expect(() => Template.fromStack(stack)).toThrow(/the KMS key Test\/Db\/Secret\/Key encrypts the storage of this database, whose DeletionPolicy Snapshot keeps its data/);
  });

  // Review AS: a key takes no snapshot, and CloudFormation deletes a resource whose Snapshot policy it cannot follow.
  test('RemovalPolicies.of(stack).snapshot(), which leaves the key to be deleted, is refused', () => {
    const { stack, vpc } = setup();
    new RotatedDatabase(stack, 'Db', { vpc, engine: postgres });
    RemovalPolicies.of(stack).snapshot();
    expect(() => Template.fromStack(stack)).toThrow(/encrypts the storage of this database, whose DeletionPolicy Snapshot keeps its data, but the key's DeletionPolicy Snapshot would delete the key/);
  });

  // Review AR: the template's policies decide, so an aspect that deletes the database too is no refusal.
  test('RemovalPolicies.of(stack).destroy(), which deletes the database as well, synthesizes', () => {
    const { stack, vpc } = setup();
    new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, deletionProtection: false });
    RemovalPolicies.of(stack).destroy();
    const t = Template.fromStack(stack);
    expect(Object.values(t.findResources('AWS::RDS::DBInstance')).map(r => r.DeletionPolicy)).toEqual(['Delete']);
  });

  test('an Aurora cluster\'s secret keeps its key the same way', () => {
    const { stack, vpc } = setup();
    const aurora = new RotatedAuroraCluster(stack, 'Aurora', {
      vpc, engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 }),
    });
    aurora.secret.applyRemovalPolicy(RemovalPolicy.DESTROY);
    expect(keyPolicies(stack, aurora.secret)).toEqual(['RetainExceptOnCreate', 'Retain']);
  });
});
