import { App, Duration, RemovalPolicy, Stack, Token, aws_ec2 as ec2, aws_logs as logs, aws_rds as rds } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RotatedAuroraCluster, RotatedAuroraClusterProps, RotatedDatabase, RotationEngine, RotationFunction } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const auroraPostgres = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 });

function build(extra: Partial<RotatedAuroraClusterProps> = {}) {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const aurora = new RotatedAuroraCluster(stack, 'Aurora', { vpc, engine: auroraPostgres, ...extra });
  return { stack, vpc, aurora };
}

test('removalPolicy DESTROY turns the cluster\'s deletion protection off unless it is set', () => {
  const protection = (extra: Partial<RotatedAuroraClusterProps>) =>
    Object.values(Template.fromStack(build(extra).stack).findResources('AWS::RDS::DBCluster'))[0].Properties.DeletionProtection;
  expect(protection({ removalPolicy: RemovalPolicy.DESTROY })).toBe(false);
  expect(protection({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true })).toBe(true);
  expect(protection({})).toBe(true);
});

test('a Data API cluster encrypted with the secret\'s key, TLS enforced, master credentials from the secret', () => {
  const { stack, aurora } = build({ clusterIdentifier: 'orders' });
  const t = Template.fromStack(stack);
  const keyId = stack.getLogicalId(aurora.secret.encryptionKey!.node.defaultChild as any);
  const secretId = stack.getLogicalId(aurora.secret.secret.node.defaultChild as any);
  t.hasResourceProperties('AWS::RDS::DBCluster', {
    DBClusterIdentifier: 'orders',
    EnableHttpEndpoint: true,
    StorageEncrypted: true,
    KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    DeletionProtection: true,
    BackupRetentionPeriod: 7,
    MasterUsername: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secretId }, ':SecretString:username::}}']] },
  });
  t.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
});

test('the writer outlives a stack deletion while the cluster is protected, so cdk destroy leaves a working database (review BP)', () => {
  // RDS deletes a cluster's instances "even when deletion protection is enabled for the DB cluster" (DeletionProtection,
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html): with Delete, the writer would
  // go and leave the protected cluster with no instance to serve it.
  const writerPolicy = (extra: Partial<RotatedAuroraClusterProps>) => {
    const { stack, aurora } = build(extra);
    const writer = aurora.cluster.node.findChild('Writer').node.defaultChild as any;
    return Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(writer)].DeletionPolicy;
  };
  expect(writerPolicy({})).toBe('RetainExceptOnCreate');
  expect(writerPolicy({ removalPolicy: RemovalPolicy.RETAIN })).toBe('RetainExceptOnCreate');
  // Once protection is off (the README's way to delete on purpose), the writer goes with the cluster.
  expect(writerPolicy({ deletionProtection: false })).toBe('Delete');
  expect(writerPolicy({ removalPolicy: RemovalPolicy.DESTROY })).toBe('Delete');
});

test('the secret carries dbClusterArn (which switches the function to the Data API) without a dependency cycle', () => {
  const { stack } = build({ clusterIdentifier: 'orders' });
  Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
    GenerateSecretString: Match.objectLike({
      SecretStringTemplate: { 'Fn::Join': ['', ['{"username":"dbadmin","dbClusterArn":"arn:', { Ref: 'AWS::Partition' }, ':rds:eu-west-1:111111111111:cluster:orders"}']] },
    }),
  });
});

test('the function may run Data API statements on this cluster only, and reaches the Data API privately', () => {
  const { stack, aurora } = build();
  const t = Template.fromStack(stack);
  const roleId = stack.getLogicalId(aurora.rotationFunction.function.role!.node.defaultChild as any);
  const clusterId = stack.getLogicalId(aurora.cluster.node.defaultChild as any);
  const statements = Object.values(t.findResources('AWS::IAM::ManagedPolicy'))
    .filter(p => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(p => p.Properties.PolicyDocument.Statement as any[]);
  const actionsOf = (s: any): string[] => [].concat(s.Action);
  const dataApi = statements.find(s => actionsOf(s).includes('rds-data:ExecuteStatement'));
  expect(JSON.stringify(dataApi.Resource)).toContain(clusterId);
  t.hasResourceProperties('AWS::EC2::VPCEndpoint', { ServiceName: 'com.amazonaws.eu-west-1.rds-data', PrivateDnsEnabled: false });
  const dataApiEndpoint = Object.entries(t.findResources('AWS::EC2::VPCEndpoint')).find(([, e]) => e.Properties.ServiceName === 'com.amazonaws.eu-west-1.rds-data')![0];
  t.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ AWS_ENDPOINT_URL_RDS_DATA: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['https://'])] }) }) },
  });
  expect(JSON.stringify(t.findResources('AWS::Lambda::Function'))).toContain(`{"Fn::GetAtt":["${dataApiEndpoint}","DnsEntries"]}`);
  // Short-lived login secrets: only under the function's own prefix.
  const loginSecrets = statements.find(s => actionsOf(s).includes('secretsmanager:CreateSecret'));
  expect(JSON.stringify(loginSecrets.Resource)).toContain(':secret:rotation-login/*');
  // ... each closed to everyone but the function's role, which the function reads from its environment.
  expect(actionsOf(loginSecrets)).toEqual(expect.arrayContaining(['secretsmanager:PutResourcePolicy', 'secretsmanager:PutSecretValue']));
  t.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ LOGIN_SECRET_READER_ARN: { 'Fn::GetAtt': [roleId, 'Arn'] } }) },
  });
  t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(30 days)' } });
});

test('only a function that rotates through the Data API may create login secrets and names their reader', () => {
  const synth = (engines: RotationEngine[]) => {
    const stack = new Stack(new App(), 'Direct', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const fn = new RotationFunction(stack, 'Rotation', { vpc });
    for (const engine of engines) fn.addEngine(engine);
    const t = Template.fromStack(stack);
    return [
      JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy')).split('rotation-login/*').length - 1,
      JSON.stringify(t.findResources('AWS::Lambda::Function')).includes('LOGIN_SECRET_READER_ARN'),
    ];
  };
  expect(synth([RotationEngine.POSTGRES])).toEqual([0, false]);
  expect(synth([RotationEngine.POSTGRES, RotationEngine.DATA_API, RotationEngine.DATA_API])).toEqual([1, true]);
});

test('shares the rotation function with instances in the same VPC and subnets', () => {
  const { stack, vpc, aurora } = build();
  const db = new RotatedDatabase(stack, 'Db', { vpc, engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }) });
  expect(db.rotationFunction).toBe(aurora.rotationFunction);
  Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 1);
});

test('PostgreSQL logs go to CloudWatch Logs, and the writer has Enhanced Monitoring with the stack\'s shared role', () => {
  const { stack, vpc } = build();
  new RotatedDatabase(stack, 'Db', { vpc, engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }) });
  const t = Template.fromStack(stack);
  t.hasResourceProperties('AWS::RDS::DBCluster', { EnableCloudwatchLogsExports: ['postgresql'] });
  const roles = t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'monitoring.rds.amazonaws.com' } })] }) } });
  expect(Object.keys(roles)).toHaveLength(1);
  const monitoringRole = { 'Fn::GetAtt': [Object.keys(roles)[0], 'Arn'] };
  t.hasResourceProperties('AWS::RDS::DBInstance', { DBClusterIdentifier: Match.anyValue(), MonitoringInterval: 60, MonitoringRoleArn: monitoringRole });
  t.hasResourceProperties('AWS::RDS::DBInstance', { DBClusterIdentifier: Match.absent(), MonitoringInterval: 60, MonitoringRoleArn: monitoringRole });
});

test('Aurora MySQL: the audit log records connections and DDL, never DCL (where password changes are), and is exported', () => {
  const { stack } = build({ engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_12_0 }) });
  const t = Template.fromStack(stack);
  t.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
    Parameters: { require_secure_transport: 'ON', server_audit_logging: '1', server_audit_events: 'CONNECT,QUERY_DDL' },
  });
  t.hasResourceProperties('AWS::RDS::DBCluster', { EnableCloudwatchLogsExports: ['audit', 'error', 'general', 'slowquery'] });
});

// RDS creates the exported logs' groups, which keep everything unless their retention is set (review CU).
test('cloudwatchLogsRetention sets the retention of every exported log; without it no retention resource is added', () => {
  const t = Template.fromStack(build({ cloudwatchLogsRetention: logs.RetentionDays.ONE_YEAR }).stack);
  t.resourceCountIs('Custom::LogRetention', 1);
  t.hasResourceProperties('Custom::LogRetention', { RetentionInDays: 365, LogGroupName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['/postgresql'])] }) });
  Template.fromStack(build().stack).resourceCountIs('Custom::LogRetention', 0);
});

test('monitoringInterval of 0 switches Enhanced Monitoring off', () => {
  const { stack } = build({ monitoringInterval: Duration.seconds(0) });
  const t = Template.fromStack(stack);
  t.hasResourceProperties('AWS::RDS::DBInstance', { MonitoringInterval: Match.absent() });
  t.resourcePropertiesCountIs('AWS::IAM::Role', { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'monitoring.rds.amazonaws.com' } })] }) }, 0);
});

// The rotation function reaches Aurora only through the RDS Data API, which Aurora PostgreSQL Serverless v2 and
// provisioned clusters have from 13.11, 14.8, 15.3, 16.1, 17.4 and 18.3 on
// (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html).
test.each<[string, rds.AuroraPostgresEngineVersion]>([
  ['13.7', rds.AuroraPostgresEngineVersion.VER_13_7],
  ['14.6', rds.AuroraPostgresEngineVersion.VER_14_6],
  ['15.2', rds.AuroraPostgresEngineVersion.VER_15_2],
  ['16.0', rds.AuroraPostgresEngineVersion.VER_16_0],
  ['17.2', rds.AuroraPostgresEngineVersion.VER_17_2],
])('Aurora PostgreSQL %s, before the Data API, is refused with the version to use', (version, engineVersion) => {
  expect(() => build({ engine: rds.DatabaseClusterEngine.auroraPostgres({ version: engineVersion }) }))
    .toThrow(new RegExp(`\`engine\` is Aurora PostgreSQL ${version.replace('.', '\\.')}, which has no RDS Data API.*${version.split('.')[0]}\\.\\d+ or later.*Data_API`));
});

test.each<[string, rds.AuroraPostgresEngineVersion]>([
  ['13.11', rds.AuroraPostgresEngineVersion.VER_13_11],
  ['14.8', rds.AuroraPostgresEngineVersion.VER_14_8],
  ['16.1', rds.AuroraPostgresEngineVersion.VER_16_1],
  ['17.4', rds.AuroraPostgresEngineVersion.VER_17_4],
])('Aurora PostgreSQL %s has the Data API', (_version, engineVersion) => {
  expect(() => build({ engine: rds.DatabaseClusterEngine.auroraPostgres({ version: engineVersion }) })).not.toThrow();
});

test.each<[string, Partial<RotatedAuroraClusterProps>, RegExp]>([
  ['monitoring interval RDS does not offer', { monitoringInterval: Duration.seconds(20) }, /`monitoringInterval` must be 0 \(off\), 1, 5, 10, 15, 30 or 60 seconds, got 20/],
  ['bad cluster identifier', { clusterIdentifier: 'Bad_Name' }, /`clusterIdentifier` must be lowercase/],
  ['capacity upside down', { serverlessV2MinCapacity: 4, serverlessV2MaxCapacity: 2 }, /`serverlessV2MinCapacity` \(4\) and `serverlessV2MaxCapacity` \(2\)/],
  ['bad username', { username: 'x-y' }, /`username` must start with a letter/],
  ['bad schedule', { scheduleExpression: 'weekly' }, /`scheduleExpression` must be a rate/],
])('validation: %s', (_name, extra, message) => {
  expect(() => build(extra)).toThrow(message);
});

describe('the first rotation waits for the writer instance', () => {
  // rotateImmediatelyOnUpdate (on by default) rotates as soon as the schedule exists, and setSecret sets the password
  // through the Data API, which runs "queries on writer instances in a DB cluster" only
  // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html). The secret's attachment
  // names the cluster, which CloudFormation finishes before the writer, a DBInstance of its own.
  const writerId = (stack: Stack, aurora: RotatedAuroraCluster) =>
    stack.getLogicalId(aurora.cluster.node.findChild('Writer').node.findChild('Resource') as any);

  test('the schedule depends on the writer instance', () => {
    const { stack, aurora } = build();
    const resources = Template.fromStack(stack).toJSON().Resources;
    expect(resources[writerId(stack, aurora)].Type).toBe('AWS::RDS::DBInstance');
    expect(resources[stack.getLogicalId(aurora.rotationSchedule.node.defaultChild as any)].DependsOn).toContain(writerId(stack, aurora));
  });

  test('with the rotation function shared from another stack, the schedule still waits for the writer, without a cycle', () => {
    const app = new App();
    const network = new Stack(app, 'Network', { env: ENV });
    const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const rotationFunction = new RotationFunction(network, 'Rotation', { vpc });
    const stack = new Stack(app, 'Data', { env: ENV });
    const aurora = new RotatedAuroraCluster(stack, 'Aurora', { vpc, engine: auroraPostgres, rotationFunction });
    // Synthesizing the whole app fails on a cyclic reference between the stacks or within one.
    const assembly = app.synth();
    const resources = assembly.getStackByName('Data').template.Resources;
    expect(resources[stack.getLogicalId(aurora.rotationSchedule.node.defaultChild as any)].DependsOn).toContain(writerId(stack, aurora));
  });
});

describe('RotatedAuroraCluster refuses, naming the prop', () => {
  // Aurora Serverless v2 with Aurora MySQL: version 3 (3.02.0 and higher) only
  // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.ServerlessV2.html).
  test.each([
    ['2.11.2', rds.AuroraMysqlEngineVersion.VER_2_11_2],
    ['3.01.0', rds.AuroraMysqlEngineVersion.VER_3_01_0],
  ])('Aurora MySQL %s, which has no Serverless v2', (version, engineVersion) => {
    expect(() => build({ engine: rds.DatabaseClusterEngine.auroraMysql({ version: engineVersion }) }))
      .toThrow(new RegExp(`\`engine\` is Aurora MySQL ${version.replace(/\./g, '\\.')}, which has no Aurora Serverless v2.*3\\.02\\.0`));
  });

  // The Data API with Aurora MySQL Serverless v2 and provisioned: "Aurora MySQL version 3 | Version 3.07 and higher"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.Aurora_Fea_Regions_DB-eng.Feature.Data_API.html, review BK).
  test.each([
    ['3.02.0', rds.AuroraMysqlEngineVersion.VER_3_02_0],
    ['3.06.1', rds.AuroraMysqlEngineVersion.VER_3_06_1],
  ])('Aurora MySQL %s, which has Serverless v2 but no Data API', (version, engineVersion) => {
    expect(() => build({ engine: rds.DatabaseClusterEngine.auroraMysql({ version: engineVersion }) }))
      .toThrow(new RegExp(`\`engine\` is Aurora MySQL ${version.replace(/\./g, '\\.')}, which has no RDS Data API.*3\\.07\\.0`));
  });

  // Aurora MySQL 8.4 creates the master user with caching_sha2_password and recommends it ("If you use the default
  // parameter group, the master user is created with the caching_sha2_password authentication plugin",
  // https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Upgrade-v3-v84-security.html); the
  // function sets Aurora MySQL passwords as mysql_native_password hashes (lambda/rotation/engines/data-api.ts), which
  // would move the master user to the deprecated plugin at every rotation (review EA).
  // AWS writes 8.4 versions `8.4.7` (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.MySQL84.html),
  // and aws-cdk-lib's `of(full)` without a major pairs it with 5.7 (review EC).
  test.each<[string, string | undefined]>([
    ['8.4.mysql_aurora.8.4.7', '8.4'],
    ['8.4.7', '8.4'],
    ['8.4.7', undefined],
    ['8.4.7', '8'],
  ])('Aurora MySQL %s (major %s), whose master user the rotation would move off caching_sha2_password', (fullVersion, majorVersion) => {
    const engine = rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.of(fullVersion, majorVersion) });
    expect(() => build({ engine }))
      .toThrow(new RegExp(`\`engine\` is Aurora MySQL ${fullVersion.replace(/\./g, '\\.')} \\(MySQL 8\\.4\\).*caching_sha2_password.*mysql_native_password.*newest Aurora MySQL 3 version your Region lists.*authentication_policy`));
  });

  // "If you use a custom parameter group and set the authentication_policy parameter to *:mysql_native_password, the
  // master user is created with the mysql_native_password authentication plugin"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Upgrade-v3-v84-security.html): then a
  // mysql_native_password hash changes no plugin, and 8.4 is accepted.
  test('Aurora MySQL 8.4 with authentication_policy *:mysql_native_password is accepted', () => {
    const engine = rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.of('8.4.7', '8.4') });
    expect(() => build({ engine, parameters: { authentication_policy: '*:mysql_native_password' } })).not.toThrow();
  });

  test('Aurora MySQL 3.07.0 has Serverless v2 and the Data API', () => {
    expect(() => build({ engine: rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_07_0 }) })).not.toThrow();
  });

  // ServerlessV2ScalingConfiguration: "half-step increments"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ServerlessV2ScalingConfiguration.html); the maximum
  // "must be higher than 0.5 ACUs"
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-rds-dbcluster-serverlessv2scalingconfiguration.html).
  test.each<[string, Partial<RotatedAuroraClusterProps>, RegExp]>([
    ['a minimum off the half steps', { serverlessV2MinCapacity: 0.75 }, /`serverlessV2MinCapacity` must be a multiple of 0\.5 ACUs, got 0\.75.*\(e\.g\. 0\.5 or 1\)/],
    ['a minimum under the first half step', { serverlessV2MinCapacity: 0.25 }, /got 0\.25: .*\(e\.g\. 0\.5\)\./],
    ['a maximum off the half steps', { serverlessV2MaxCapacity: 2.25 }, /`serverlessV2MaxCapacity` must be a multiple of 0\.5 ACUs, got 2\.25/],
    ['a maximum of 0.5', { serverlessV2MinCapacity: 0.5, serverlessV2MaxCapacity: 0.5 }, /`serverlessV2MaxCapacity` must be higher than 0\.5 ACUs/],
  ])('%s', (_name, extra, message) => {
    expect(() => build(extra)).toThrow(message);
  });

  test.each(['serverlessV2MinCapacity', 'serverlessV2MaxCapacity'] as const)('%s given as a token: the reason, without the token\'s number', prop => {
    let message = '';
    try {
      build({ [prop]: Token.asNumber({ Ref: 'Capacity' }) });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(new RegExp(`\`${prop}\` must be a number at synth, not a token`));
    expect(message).not.toMatch(/e\+\d{3}/);
  });

  // CreateDBInstance DBName for Aurora: Aurora PostgreSQL 1 to 63, Aurora MySQL 1 to 64; begins with a letter; then
  // letters, digits and underscores (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html).
  test.each([['my-db'], ['1db'], ['a'.repeat(64)]])('a databaseName of %s', databaseName => {
    expect(() => build({ databaseName })).toThrow(/`databaseName`/);
  });

  test('a backupRetention that is no whole number of days', () => {
    expect(() => build({ backupRetention: Duration.hours(36) })).toThrow(/`backupRetention` must be a whole number of days/);
  });

  // A cluster identifier is unique per account and Region (CreateDBCluster: DBClusterAlreadyExistsFault,
  // https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html).
  test('the same clusterIdentifier twice in one stack', () => {
    const { stack, vpc } = build({ clusterIdentifier: 'orders' });
    expect(() => new RotatedAuroraCluster(stack, 'Other', { vpc, engine: auroraPostgres, clusterIdentifier: 'orders' }))
      .toThrow(/`clusterIdentifier` "orders" is already used by Test\/Aurora in account 111111111111, region eu-west-1/);
  });

  test('the same clusterIdentifier in two stacks of one environment, and not in another Region', () => {
    const app = new App();
    const make = (name: string, env: { account: string; region: string }) => {
      const stack = new Stack(app, name, { env });
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      return new RotatedAuroraCluster(stack, 'Aurora', { vpc, engine: auroraPostgres, clusterIdentifier: 'orders' });
    };
    make('One', ENV);
    expect(() => make('Elsewhere', { ...ENV, region: 'us-east-1' })).not.toThrow();
    expect(() => make('Two', ENV)).toThrow(/`clusterIdentifier` "orders" is already used by One\/Aurora/);
  });
});

describe('cluster parameters and maintenance windows', () => {
  const auroraMysql = rds.DatabaseClusterEngine.auroraMysql({ version: rds.AuroraMysqlEngineVersion.VER_3_08_0 });

  test('parameters join the construct\'s own in the cluster parameter group; the windows reach the cluster', () => {
    const { stack } = build({ parameters: { work_mem: '8192' }, preferredMaintenanceWindow: 'sat:04:00-sat:05:00', preferredBackupWindow: '02:00-03:00' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', { Parameters: { 'work_mem': '8192', 'rds.force_ssl': '1' } });
    t.hasResourceProperties('AWS::RDS::DBCluster', { PreferredMaintenanceWindow: 'sat:04:00-sat:05:00', PreferredBackupWindow: '02:00-03:00' });
  });

  test.each(['require_secure_transport', 'server_audit_logging', 'Server_Audit_Events'])('Aurora MySQL refuses %s, which the construct sets', name => {
    expect(() => build({ engine: auroraMysql, parameters: { [name]: '0' } })).toThrow(new RegExp(`\`parameters\` must not set "${name}" to "0": the construct sets`));
  });

  test.each(['server_audit_excl_users', 'SERVER_AUDIT_INCL_USERS'])('Aurora MySQL refuses %s, which narrows whom the audit log covers', name => {
    expect(() => build({ engine: auroraMysql, parameters: { [name]: 'dbadmin' } })).toThrow(new RegExp(`\`parameters\` must not set "${name}": it narrows whom the audit log covers`));
  });

  test('Aurora PostgreSQL refuses an md5 password_encryption, and before 14 statement logging without SCRAM pinned', () => {
    expect(() => build({ parameters: { password_encryption: 'md5' } })).toThrow(/must not set "password_encryption" to "md5"/);
    const aurora13 = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_13_23 });
    expect(() => build({ engine: aurora13, parameters: { log_statement: 'mod' } })).toThrow(/"log_statement": "mod" writes/);
    expect(() => build({ parameters: { log_statement: 'mod' } })).not.toThrow();
  });

  test('the maintenance window reaches the writer instance too', () => {
    const t = Template.fromStack(build({ preferredMaintenanceWindow: 'sat:04:00-sat:05:00' }).stack);
    t.hasResourceProperties('AWS::RDS::DBInstance', { PreferredMaintenanceWindow: 'sat:04:00-sat:05:00' });
  });

  // Review AT: the construct's own list in another order is the same setting.
  test('Aurora MySQL takes the construct\'s own audit events in another order', () => {
    expect(() => build({ engine: auroraMysql, parameters: { server_audit_events: 'QUERY_DDL,CONNECT' } })).not.toThrow();
  });

  test('Aurora MySQL takes other parameters beside the audit settings', () => {
    const t = Template.fromStack(build({ engine: auroraMysql, parameters: { long_query_time: '2' } }).stack);
    t.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: Match.objectLike({ long_query_time: '2', server_audit_logging: '1', require_secure_transport: 'ON' }),
    });
  });

  test('overlapping windows are refused', () => {
    expect(() => build({ preferredMaintenanceWindow: 'tue:02:00-tue:03:00', preferredBackupWindow: '02:30-03:30' })).toThrow(/`preferredBackupWindow` "02:30-03:30" overlaps/);
  });
});
