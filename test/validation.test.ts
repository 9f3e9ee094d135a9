// Bad inputs a new user tries, each of which must fail at synth with a message naming the prop and the fix.
import { App, Duration, Stack, Stage, aws_ec2 as ec2, aws_iam as iam, aws_lambda as lambda, aws_rds as rds } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ProtectedSecret, ProtectedSecretProps, RotatedAuroraCluster, RotatedDatabase, RotationFunction } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const mysql = rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_0 });
const auroraPostgres = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 });

function stack(app = new App(), id = 'Test') {
  return new Stack(app, id, { env: ENV });
}

function reader(s: Stack) {
  return new iam.Role(s, `Reader${s.node.children.length}`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

/** A VPC with a public subnet group `web` and an isolated one `db`. */
function publicAndIsolatedVpc(s: Stack) {
  return new ec2.Vpc(s, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'web', subnetType: ec2.SubnetType.PUBLIC }, { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
}

function isolatedVpc(s: Stack) {
  return new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

function secret(props: (s: Stack) => ProtectedSecretProps) {
  const s = stack();
  return () => new ProtectedSecret(s, 'Secret', { readers: [reader(s)], ...props(s) });
}

describe('secretName', () => {
  // Systems Manager's guide gave /aws/reference/secretsmanager//dev/dbPass for a name like /dev/dbPass
  // (awsdocs/aws-systems-manager-user-guide, integration-ps-secretsmanager.md, commit df50f6f).
  test('a leading slash is allowed: the Parameter Store reference then has two slashes', () => {
    const s = stack();
    const created = new ProtectedSecret(s, 'Secret', { readers: [reader(s)], secretName: '/prod/api-key' });
    expect(created.parameterStoreReference).toBe('/aws/reference/secretsmanager//prod/api-key');
    created.grantReadViaParameterStore(new iam.Role(s, 'Viewer', { assumedBy: new iam.AccountRootPrincipal() }));
    const statements = Object.values(Template.fromStack(s).findResources('AWS::IAM::Policy')).flatMap(p => p.Properties.PolicyDocument.Statement);
    const ssmArn = JSON.stringify(statements.find(st => [].concat(st.Action).includes('ssm:GetParameter' as never)).Resource);
    expect(ssmArn).toContain(':parameter/aws/reference/secretsmanager//prod/api-key"');
  });

  test('longer than the 512 characters Secrets Manager allows', () => {
    expect(secret(() => ({ secretName: `prod/${'a'.repeat(510)}` })))
      .toThrow(/`secretName` must be at most 512 characters, got 515/);
  });

  test('characters Secrets Manager does not allow', () => {
    expect(secret(() => ({ secretName: 'prod/api key' })))
      .toThrow(/`secretName` may contain only ASCII letters, digits and \/_\+=\.@-, got "prod\/api key"/);
  });

  test('the same name twice in one stack', () => {
    const s = stack();
    new ProtectedSecret(s, 'First', { readers: [reader(s)], secretName: 'prod/api-key' });
    expect(() => new ProtectedSecret(s, 'Second', { readers: [reader(s)], secretName: 'prod/api-key' }))
      .toThrow(/ProtectedSecret Test\/Second: `secretName` "prod\/api-key" is already used by Test\/First in account 111111111111, region eu-west-1/);
  });

  test('the same name twice in one app, across stacks of the same account and region', () => {
    const app = new App();
    const a = stack(app, 'A');
    const b = stack(app, 'B');
    new ProtectedSecret(a, 'Key', { readers: [reader(a)], secretName: 'prod/api-key' });
    expect(() => new ProtectedSecret(b, 'Key', { readers: [reader(b)], secretName: 'prod/api-key' }))
      .toThrow(/`secretName` "prod\/api-key" is already used by A\/Key/);
  });

  // An agnostic stack's environment comes from the deploying credentials (https://docs.aws.amazon.com/cdk/v2/guide/environments.html).
  test('the same name, key alias and ARN parameter in two environment-agnostic stacks are not refused: they may be two accounts', () => {
    const app = new App();
    for (const name of ['Dev', 'Prod']) {
      const s = new Stack(new Stage(app, name), 'Data');
      new ProtectedSecret(s, 'Key', { readers: [reader(s)], secretName: 'prod/api-key', keyAlias: 'alias/api', arnParameterName: '/api/arn' });
    }
    expect(() => app.synth()).not.toThrow();
  });

  test('the same name in another region is a different secret', () => {
    const app = new App();
    const a = stack(app, 'A');
    const b = new Stack(app, 'B', { env: { ...ENV, region: 'us-east-1' } });
    new ProtectedSecret(a, 'Key', { readers: [reader(a)], secretName: 'prod/api-key' });
    expect(() => new ProtectedSecret(b, 'Key', { readers: [reader(b)], secretName: 'prod/api-key' })).not.toThrow();
  });

  test('a RotatedDatabase reusing a ProtectedSecret\'s name', () => {
    const s = stack();
    new ProtectedSecret(s, 'Key', { readers: [reader(s)], secretName: 'prod/db' });
    expect(() => new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine: postgres, secretName: 'prod/db' }))
      .toThrow(/`secretName` "prod\/db" is already used by Test\/Key/);
  });
});

describe('a plaintext value in generateSecretString.secretStringTemplate', () => {
  test.each([
    ['a password field', { username: 'app', password: 'hunter2' }, 'password'],
    ['an API key field', { apiKey: 'abc123' }, 'apiKey'],
    ['a token under another name', { client: { token: 'x' } }, 'client.token'],
    ['an AWS access key id in an innocent field', { id: 'AKIAIOSFODNN7EXAMPLE' }, 'id'],
  ])('%s', (_name, template, field) => {
    const build = secret(() => ({ generateSecretString: { secretStringTemplate: JSON.stringify(template), generateStringKey: 'generated' } }));
    expect(build).toThrow(new RegExp(`\`generateSecretString.secretStringTemplate\` carries a literal value in "${field.replace('.', '\\.')}"`));
    // The value itself never appears in the message.
    expect(build).not.toThrow(/hunter2|AKIAIOSFODNN7EXAMPLE|abc123/);
  });

  test('a template with CloudFormation values in it is still checked', () => {
    const s = stack();
    const template = s.toJsonString({ username: 'app', password: 'hunter2', bucket: s.account });
    expect(() => new ProtectedSecret(s, 'Secret', { readers: [reader(s)], generateSecretString: { secretStringTemplate: template, generateStringKey: 'generated' } }))
      .toThrow(/carries a literal value in "password"/);
  });

  test('a username and connection fields are fine', () => {
    expect(secret(() => ({
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'app', host: 'db.example.com', port: 5432 }), generateStringKey: 'password' },
    }))).not.toThrow();
  });
});

describe('scheduleExpression', () => {
  const db = (scheduleExpression: string) => () => {
    const s = stack();
    return new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine: postgres, scheduleExpression });
  };

  test.each([
    ['rate(1 hour)', /`scheduleExpression` rotates every 1 hour; Secrets Manager rotates at most every 4 hours/],
    ['rate(3 hours)', /rotates every 3 hours; Secrets Manager rotates at most every 4 hours/],
    ['rate(1000 days)', /`scheduleExpression` rotates every 1000 days; Secrets Manager allows at most 999 days/],
    ['rate(5 minutes)', /`scheduleExpression` "rate\(5 minutes\)" must count hours or days/],
    ['cron(0 * * * ? *)', /`scheduleExpression` "cron\(0 \* \* \* \? \*\)" rotates 1 hour apart/],
    ['cron(0 0/2 * * ? *)', /rotates 2 hours apart/],
    ['cron(30 4 * * ? *)', /`scheduleExpression` "cron\(30 4 \* \* \? \*\)" must have 0 in the minutes field/],
    ['cron(0 4 * * ? 2027)', /must have \* in the year field/],
    ['cron(0 4 * *)', /must have six fields/],
    // https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html: day-of-month 1-31,
    // month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT, and "If you specify a value in one of the fields, you must
    // use a ? in the other".
    ['cron(0 4 32 * ? *)', /`scheduleExpression` "cron\(0 4 32 \* \? \*\)" has a day-of-month field Secrets Manager cannot read \("32"\); use 1-31/],
    ['cron(0 4 ? 13 * *)', /has a month field Secrets Manager cannot read \("13"\); use 1-12 or JAN-DEC/],
    ['cron(0 4 ? * FOO *)', /has a day-of-week field Secrets Manager cannot read \("FOO"\); use 1-7 or SUN-SAT/],
    ['cron(0 4 ? * SUN#6 *)', /has a day-of-week field Secrets Manager cannot read \("SUN#6"\)/],
    ['cron(0 4 1 * MON *)', /gives both the day-of-month \("1"\) and the day-of-week \("MON"\); Secrets Manager takes one of them with \? in the other/],
    ['cron(0 4 * * * *)', /gives both the day-of-month \("\*"\) and the day-of-week \("\*"\)/],
  ])('%s is refused', (expression, message) => {
    expect(db(expression)).toThrow(message);
  });

  test.each([
    'rate(4 hours)', 'rate(1 day)', 'rate(30 days)', 'cron(0 4 ? * SUN *)', 'cron(0 0/4 * * ? *)', 'cron(0 8,20 * * ? *)',
    // The examples of AWS's page that give one day field.
    'cron(0 18 ? * SAT *)', 'cron(0 8 1 * ? *)', 'cron(0 17 L * ? *)', 'cron(0 8 ? * MON-FRI *)', 'cron(0 16 1,15 * ? *)', 'cron(0 0 ? * SUN#1 *)',
    'cron(0 8 1/7 * ? *)', 'cron(0 1 ? JAN,APR,JUL,OCT SUNL *)',
  ])('%s is accepted', expression => {
    expect(db(expression)).not.toThrow();
  });

  test.each<[string, number, RegExp]>([
    ['rate(6 hours)', 8, /`rotationWindow` of 8 hours is longer than the 6 hours between rotations of `scheduleExpression` "rate\(6 hours\)"; shorten it to at most 6 hours/],
    ['cron(0 22 * * ? *)', 4, /`rotationWindow` of 4 hours from 22:00 would run into the next UTC day; start earlier in `scheduleExpression` or shorten the window to at most 2 hours/],
    ['cron(0 0/6 * * ? *)', 8, /`rotationWindow` of 8 hours is longer than the 6 hours between rotations/],
  ])('%s with a %d-hour window is refused', (scheduleExpression, hours, message) => {
    const s = stack();
    expect(() => new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine: postgres, scheduleExpression, rotationWindow: Duration.hours(hours) }))
      .toThrow(message);
  });

  test.each<[string, number]>([['rate(4 hours)', 4], ['cron(0 0/4 * * ? *)', 4], ['cron(0 20 ? * SUN *)', 4], ['rate(1 day)', 24]])('%s with a %d-hour window is accepted', (scheduleExpression, hours) => {
    const s = stack();
    expect(() => new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine: postgres, scheduleExpression, rotationWindow: Duration.hours(hours) }))
      .not.toThrow();
  });

  // AWS's own example: cron(0 2/10 * * ? *) starts windows at 2:00, 12:00, 22:00 "and then the next day at 2:00",
  // so the gap across midnight counts (4 hours there); rotations are at most every four hours
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html).
  test('hours 2 apart across midnight on consecutive days (23:00, then 1:00 the next day) are refused', () => {
    expect(db('cron(0 1,23 * * ? *)')).toThrow(/`scheduleExpression` "cron\(0 1,23 \* \* \? \*\)" rotates 2 hours apart \(from 23:00 to 1:00 the next day\); Secrets Manager rotates at most every 4 hours/);
  });

  test.each(['cron(0 2/10 * * ? *)', 'cron(0 1,23 ? * MON *)', 'cron(0 0,20 * * ? *)'])('%s, at least 4 hours apart across midnight or not on consecutive days, is accepted', expression => {
    expect(db(expression)).not.toThrow();
  });

  test('the Aurora cluster checks it too', () => {
    const s = stack();
    expect(() => new RotatedAuroraCluster(s, 'Db', { vpc: isolatedVpc(s), engine: auroraPostgres, scheduleExpression: 'rate(2 hours)' }))
      .toThrow(/RotatedAuroraCluster Test\/Db: `scheduleExpression` rotates every 2 hours/);
  });
});

// aws-cdk-lib renders `automaticallyAfter` as `rate(N hours|days)` (or `rate(N minutes)` when not whole hours), which
// Secrets Manager takes or refuses at deploy like any scheduleExpression.
describe('automaticallyAfter', () => {
  const db = (automaticallyAfter: Duration, rotationWindow?: Duration) => () => {
    const s = stack();
    return new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine: postgres, automaticallyAfter, rotationWindow });
  };

  test('a window longer than the hours between rotations (6-hour rotation, 8-hour window)', () => {
    expect(db(Duration.hours(6), Duration.hours(8)))
      .toThrow(/RotatedDatabase Test\/Db: `rotationWindow` of 8 hours is longer than the 6 hours between rotations of `automaticallyAfter` \(6 hours, rendered "rate\(6 hours\)"\); shorten it to at most 6 hours/);
  });

  test('1000 days, which aws-cdk-lib allows and Secrets Manager does not', () => {
    expect(db(Duration.days(1000)))
      .toThrow(/`automaticallyAfter` rotates every 1000 days; Secrets Manager allows at most 999 days between rotations: use Duration.days\(999\) or less/);
  });

  test('4.5 hours, rendered in minutes, which Secrets Manager cannot read', () => {
    expect(db(Duration.minutes(270)))
      .toThrow(/`automaticallyAfter` of 4 hours 30 minutes is not a whole number of hours \(aws-cdk-lib would render "rate\(270 minutes\)"\); Secrets Manager's rate\(\) counts hours or days: use Duration.hours\(4\) or Duration.hours\(5\)/);
  });

  test('fewer than 4 hours', () => {
    expect(db(Duration.hours(3))).toThrow(/`automaticallyAfter` rotates every 3 hours; Secrets Manager rotates at most every 4 hours: use Duration.hours\(4\) or longer/);
  });

  test.each<[Duration, Duration | undefined]>([
    [Duration.hours(4), Duration.hours(4)],
    [Duration.hours(36), Duration.hours(24)],
    [Duration.days(999), undefined],
    [Duration.days(1), Duration.hours(24)],
  ])('%s with a window of %s is accepted', (after, window) => {
    expect(db(after, window)).not.toThrow();
  });

  test('ProtectedSecret.addRotationSchedule checks it too', () => {
    const s = stack();
    const protectedSecret = new ProtectedSecret(s, 'Secret', { readers: [reader(s)] });
    const fn = new lambda.Function(s, 'MyRotation', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    expect(() => protectedSecret.addRotationSchedule('Rotation', { rotationLambda: fn, automaticallyAfter: Duration.days(1000) }))
      .toThrow(/Test\/Secret: addRotationSchedule\('Rotation'\): `automaticallyAfter` rotates every 1000 days; Secrets Manager allows at most 999 days/);
  });
});

describe('vpc', () => {
  test('RotatedDatabase without vpc, as from JavaScript', () => {
    const s = stack();
    expect(() => new RotatedDatabase(s, 'Db', { engine: postgres } as any))
      .toThrow(/RotatedDatabase Test\/Db: `vpc` is required/);
  });

  test('RotatedAuroraCluster without vpc, as from JavaScript', () => {
    const s = stack();
    expect(() => new RotatedAuroraCluster(s, 'Db', { engine: auroraPostgres } as any))
      .toThrow(/RotatedAuroraCluster Test\/Db: `vpc` is required/);
  });

  test('RotationFunction without vpc, as from JavaScript', () => {
    const s = stack();
    expect(() => new RotationFunction(s, 'Fn', {} as any)).toThrow(/RotationFunction Test\/Fn: `vpc` is required/);
  });

  test.each<[string, (vpc: ec2.IVpc) => any, RegExp]>([
    ['RotatedDatabase', vpc => ({ vpc, engine: postgres }), /RotatedDatabase Test\/Db: `vpc` has only public subnets/],
    ['RotatedAuroraCluster', vpc => ({ vpc, engine: auroraPostgres }), /RotatedAuroraCluster Test\/Db: `vpc` has only public subnets/],
  ])('%s in a VPC with only public subnets', (kind, props, message) => {
    const s = stack();
    const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'web', subnetType: ec2.SubnetType.PUBLIC }] });
    const build = () => kind === 'RotatedDatabase' ? new RotatedDatabase(s, 'Db', props(vpc)) : new RotatedAuroraCluster(s, 'Db', props(vpc));
    expect(build).toThrow(message);
  });

  // RDS: "DB subnet groups must contain at least one subnet in at least two AZs in the AWS Region"
  // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html, DBSubnetGroupDoesNotCoverEnoughAZs):
  // a one-AZ VPC, common in development, synthesized and then failed at deploy.
  test.each<[string, (vpc: ec2.IVpc) => any, RegExp]>([
    ['RotatedDatabase', vpc => ({ vpc, engine: postgres }), /RotatedDatabase Test\/Db: the database's subnets are all in one Availability Zone \(eu-west-1a\).*DBSubnetGroupDoesNotCoverEnoughAZs.*maxAzs: 2/],
    ['RotatedAuroraCluster', vpc => ({ vpc, engine: auroraPostgres }), /RotatedAuroraCluster Test\/Db: the database's subnets are all in one Availability Zone/],
  ])('%s in a VPC of one Availability Zone', (kind, props, message) => {
    const s = stack();
    s.node.setContext(`availability-zones:account=${ENV.account}:region=${ENV.region}`, ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
    const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const build = () => kind === 'RotatedDatabase' ? new RotatedDatabase(s, 'Db', props(vpc)) : new RotatedAuroraCluster(s, 'Db', props(vpc));
    expect(build).toThrow(message);
  });

  test('vpcSubnets in one Availability Zone of a VPC with two', () => {
    const s = stack();
    s.node.setContext(`availability-zones:account=${ENV.account}:region=${ENV.region}`, ['eu-west-1a', 'eu-west-1b']);
    const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => new RotatedDatabase(s, 'Db', { vpc, engine: postgres, vpcSubnets: { availabilityZones: ['eu-west-1b'] } }))
      .toThrow(/`vpcSubnets` selects subnets in one Availability Zone \(eu-west-1b\)/);
    // Two zones are fine.
    new RotatedDatabase(s, 'Db2', { vpc, engine: postgres });
  });

  // aws-cdk-lib throws when a subnet imported without its zone is asked for it; RDS and Lambda never ask, so such
  // subnets must still be accepted (the zone check is skipped).
  test('vpcSubnets imported by ID without their zones are accepted', () => {
    const s = stack();
    const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const subnets = [ec2.Subnet.fromSubnetId(s, 'A', 'subnet-11111111'), ec2.Subnet.fromSubnetId(s, 'B', 'subnet-22222222')];
    expect(() => new RotatedDatabase(s, 'Db', { vpc, engine: postgres, vpcSubnets: { subnets } })).not.toThrow();
  });

  test('vpcSubnets selecting public subnets', () => {
    const s = stack();
    const vpc = publicAndIsolatedVpc(s);
    expect(() => new RotatedDatabase(s, 'Db', { vpc, engine: postgres, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }))
      .toThrow(/`vpcSubnets` selects public subnets/);
  });

  // aws-cdk-lib refuses a Lambda function in public subnets ("Lambda Functions in a public subnet can NOT access the
  // internet"), naming neither the construct nor the prop, whichever way the selection names them.
  test('public subnets given by ID are refused naming the prop, for a RotationFunction and a database\'s rotationFunctionSubnets', () => {
    const s = stack();
    const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', {
      vpcId: 'vpc-12345678',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      publicSubnetIds: ['subnet-p1', 'subnet-p2'],
      isolatedSubnetIds: ['subnet-i1', 'subnet-i2'],
    });
    const subnets = [ec2.Subnet.fromSubnetId(s, 'P1', 'subnet-p1')];
    expect(() => new RotationFunction(s, 'Fn', { vpc, vpcSubnets: { subnets } })).toThrow(/RotationFunction Test\/Fn: `vpcSubnets` must not select public subnets/);
    expect(() => new RotatedDatabase(s, 'Db', { vpc, engine: postgres, rotationFunctionSubnets: { subnets } }))
      .toThrow(/RotatedDatabase Test\/Db: .*`rotationFunctionSubnets` selects public subnets/);
  });

  test('a database\'s vpcSubnets of public subnets given by ID, or selecting none, are refused naming RotatedDatabase and the prop', () => {
    const s = stack();
    const vpc = publicAndIsolatedVpc(s);
    const subnets = vpc.publicSubnets.map((subnet, i) => ec2.Subnet.fromSubnetId(s, `Public${i}`, subnet.subnetId));
    expect(() => new RotatedDatabase(s, 'ById', { vpc, engine: postgres, vpcSubnets: { subnets } }))
      .toThrow(/^RotatedDatabase Test\/ById: `vpcSubnets` selects public subnets/);
    expect(() => new RotatedDatabase(s, 'None', { vpc, engine: postgres, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED, availabilityZones: ['eu-west-1z'] } }))
      .toThrow(/^RotatedDatabase Test\/None: `vpcSubnets` selects no subnet of `vpc` Test\/Vpc/);
  });

  test('a RotationFunction\'s vpcSubnets selecting public subnets by group name', () => {
    const s = stack();
    const vpc = publicAndIsolatedVpc(s);
    expect(() => new RotationFunction(s, 'Fn', { vpc, vpcSubnets: { subnetGroupName: 'web' } }))
      .toThrow(/RotationFunction Test\/Fn: `vpcSubnets` must not select public subnets/);
  });
});

describe('reserved usernames', () => {
  test.each<[string, rds.IInstanceEngine, string]>([
    ['rdsadmin on PostgreSQL', postgres, 'rdsadmin'],
    ['rdsadmin on MySQL', mysql, 'rdsadmin'],
    ['rdsrepladmin on MySQL', mysql, 'rdsrepladmin'],
    ['admin on PostgreSQL', postgres, 'admin'],
    ['an RDS role on PostgreSQL', postgres, 'rds_superuser'],
    ['a pg_ role name', postgres, 'pg_monitor'],
  ])('%s', (_name, engine, username) => {
    const s = stack();
    expect(() => new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine, username }))
      .toThrow(new RegExp(`\`username\` "${username}" is reserved on ${engine.engineType}`));
  });

  test('admin stays allowed on MySQL', () => {
    const s = stack();
    expect(() => new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine: mysql, username: 'admin' })).not.toThrow();
  });

  test('rdsadmin on Aurora PostgreSQL', () => {
    const s = stack();
    expect(() => new RotatedAuroraCluster(s, 'Db', { vpc: isolatedVpc(s), engine: auroraPostgres, username: 'rdsadmin' }))
      .toThrow(/RotatedAuroraCluster Test\/Db: `username` "rdsadmin" is reserved on aurora-postgresql/);
  });
});

describe('every error at once', () => {
  test('ProtectedSecret reports all its bad props together, each with its prop', () => {
    let message = '';
    try {
      secret(() => ({ secretName: 'prod/api key', arnParameterName: 'db/arn', keyAlias: 'mykey' }))();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^ProtectedSecret Test\/Secret: 3 props are invalid:\n/);
    expect(message).toMatch(/\n {2}- `secretName` may contain only ASCII letters/);
    expect(message).toMatch(/\n {2}- `arnParameterName` must start with a forward slash/);
    expect(message).toMatch(/\n {2}- `keyAlias` must look like "alias\/<name>"/);
  });

  test('RotatedDatabase reports a reserved username, a too-frequent schedule and bad backups together', () => {
    const s = stack();
    let message = '';
    try {
      new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine: postgres, username: 'rdsadmin', scheduleExpression: 'rate(1 hour)', backupRetention: Duration.days(40) });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^RotatedDatabase Test\/Db: 3 props are invalid:/);
    expect(message).toMatch(/- `username` "rdsadmin" is reserved/);
    expect(message).toMatch(/- `scheduleExpression` rotates every 1 hour/);
    expect(message).toMatch(/- `backupRetention` must be between 1 and 35 days/);
  });
});

// CreateDBInstance's DBInstanceIdentifier: "Must contain from 1 to 63 letters, numbers, or hyphens. First character
// must be a letter. Can't end with a hyphen or contain two consecutive hyphens", "stored as a lowercase string".
describe('instanceIdentifier', () => {
  test('is the instance\'s DBInstanceIdentifier', () => {
    const s = stack();
    new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine: postgres, instanceIdentifier: 'orders-db' });
    Template.fromStack(s).hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceIdentifier: 'orders-db' });
  });

  test.each([
    ['starts with a digit', '1orders'],
    ['two hyphens in a row', 'orders--db'],
    ['ends with a hyphen', 'orders-'],
    ['an underscore', 'orders_db'],
    ['64 characters', `a${'b'.repeat(63)}`],
  ])('%s is refused, naming the prop and the rule', (_name, instanceIdentifier) => {
    const s = stack();
    expect(() => new RotatedDatabase(s, 'Db', { vpc: isolatedVpc(s), engine: postgres, instanceIdentifier }))
      .toThrow(/RotatedDatabase Test\/Db: `instanceIdentifier` must be 1 to 63 letters, digits and hyphens, starting with a letter, without two hyphens in a row or one at the end, got/);
  });

  test('the same identifier twice in one account and region (in any case) is refused: RDS stores it in lowercase', () => {
    const app = new App();
    const a = stack(app, 'A');
    const b = stack(app, 'B');
    new RotatedDatabase(a, 'Db', { vpc: isolatedVpc(a), engine: postgres, instanceIdentifier: 'orders-db' });
    expect(() => new RotatedDatabase(b, 'Db', { vpc: isolatedVpc(b), engine: postgres, instanceIdentifier: 'Orders-DB' }))
      .toThrow(/`instanceIdentifier` "orders-db" is already used by A\/Db/);
  });
});
