// RDS refuses a master password holding "/", '"' or "@" (CreateDBInstance MasterUserPassword: "Can include any
// printable ASCII character except "/", """, or "@"",
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html). A superuser secret generated
// without excluding them fails about 65% of first deployments (32 characters drawn from 94: 1 - (91/94)^32).
import { Annotations as CoreAnnotations, App, Stack, aws_ec2 as ec2, aws_kms as kms, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CHECKED_APPS } from './checked-apps';
import { buildMariaDbAlternating } from '../integ/integ.mariadb-alternating';
import { ProtectedSecret, RotatedAuroraCluster, RotatedDatabase, RotationFunction } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const mariadb = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 });
const ADMIN_TEMPLATE = { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password' };

function setup() {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  return { stack, vpc };
}

describe('a superuser secret whose generator may produce characters RDS refuses in a master password', () => {
  // An app deployed from the README's earlier example (no excludeCharacters) deployed whenever the password happened to
  // hold none of the three. Adding them now would change GenerateSecretString, which makes CloudFormation generate a
  // new value the instance never gets (aws-cdk#19985): such an app must keep synthesizing, with a warning it can
  // acknowledge, not an error that pushes it to that change.
  test('a deployed app whose superuser ProtectedSecret has no excludeCharacters synthesizes, with a warning naming both ways on', () => {
    const { stack, vpc } = setup();
    const admin = new ProtectedSecret(stack, 'Admin', { generateSecretString: ADMIN_TEMPLATE });
    new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin });
    const generator = Object.values(Template.fromStack(stack).findResources('AWS::SecretsManager::Secret'))
      .map(r => r.Properties.GenerateSecretString).find(g => g.SecretStringTemplate === ADMIN_TEMPLATE.secretStringTemplate);
    expect(generator).toEqual({ SecretStringTemplate: ADMIN_TEMPLATE.secretStringTemplate, GenerateStringKey: 'password' });
    Annotations.fromStack(stack).hasWarning('/Test/Db', Match.stringLikeRegexp(
      '`superuserSecret` \\(Test/Admin\\) generates passwords that may contain `/`, `"`, `@`.*MasterUserPassword.*'
      + 'new database.*excludeCharacters.*deployed database.*leave.*generateSecretString.*acknowledge.*new value.*'
      + 'cdk-protected-secrets:superuser-password-characters'));
  });

  test('the warning is acknowledged on the stack like the library\'s others', () => {
    const { stack, vpc } = setup();
    const admin = new ProtectedSecret(stack, 'Admin', { generateSecretString: ADMIN_TEMPLATE });
    new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin });
    CoreAnnotations.of(stack).acknowledgeWarning('cdk-protected-secrets:superuser-password-characters', 'deployed in 2024, its password holds none of them');
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('superuser-password-characters'))).toEqual([]);
  });

  test('an aws-cdk-lib Secret excluding only some of them warns, naming those still missing', () => {
    const { stack, vpc } = setup();
    const admin = new secretsmanager.Secret(stack, 'Admin', {
      encryptionKey: new kms.Key(stack, 'Key'),
      generateSecretString: { ...ADMIN_TEMPLATE, excludeCharacters: '/' },
    });
    new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin });
    Annotations.fromStack(stack).hasWarning('/Test/Db', Match.stringLikeRegexp('`superuserSecret` \\(Test/Admin\\) generates passwords that may contain `"`, `@`,'));
  });

  test.each<[string, secretsmanager.SecretStringGenerator]>([
    ['the three excluded', { ...ADMIN_TEMPLATE, excludeCharacters: '"@/' }],
    ['punctuation excluded', { ...ADMIN_TEMPLATE, excludePunctuation: true }],
  ])('a generator with %s is accepted', (_name, generateSecretString) => {
    const { stack, vpc } = setup();
    const admin = new ProtectedSecret(stack, 'Admin', { generateSecretString });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin })).not.toThrow();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('superuser-password-characters'))).toEqual([]);
  });

  const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
  test.each<[string, number, boolean, rds.IInstanceEngine]>([
    ['MariaDB', 42, false, mariadb],
    ['MariaDB', 41, true, mariadb],
    ['PostgreSQL', 128, true, postgres],
    ['PostgreSQL', 129, false, postgres],
  ])('%s: a generated password of %d characters is accepted: %s', (_name, passwordLength, accepted, engine) => {
    // RDS: MySQL and MariaDB master passwords have 8 to 41 characters, PostgreSQL's 8 to 128 (CreateDBInstance).
    const { stack, vpc } = setup();
    const admin = new ProtectedSecret(stack, 'Admin', { generateSecretString: { ...ADMIN_TEMPLATE, excludeCharacters: '"@/', passwordLength } });
    const create = () => new RotatedDatabase(stack, 'Db', { vpc, engine, superuserSecret: admin });
    if (accepted) expect(create).not.toThrow();
    else expect(create).toThrow(new RegExp(`\`superuserSecret\` \\(Test/Admin\\) generates passwords of ${passwordLength} characters.*passwordLength`, 's'));
  });

  test('an imported secret cannot be checked and is accepted', () => {
    const { stack, vpc } = setup();
    const admin = secretsmanager.Secret.fromSecretAttributes(stack, 'Admin', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:admin-AbCdEf',
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/11111111-2222-3333-4444-555555555555'),
    });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin })).not.toThrow();
  });
});

// The instance reads the superuser's name and password from the secret's JSON (`rds.Credentials.fromSecret`: dynamic
// references to its `username` and `password` keys), and the rotation function logs in with those keys. A generator
// that writes no such JSON cannot give the database its master user; when the generator is known at synth, say so there.
describe('a superuser secret whose generator does not write the JSON the database reads (`username`, `password`)', () => {
  test.each<[string, (stack: Stack) => secretsmanager.ISecret]>([
    ['a ProtectedSecret without generateSecretString (a bare 32-character string)', stack => new ProtectedSecret(stack, 'Admin')],
    ['an aws-cdk-lib Secret generating a bare string', stack => new secretsmanager.Secret(stack, 'Admin', {
      encryptionKey: new kms.Key(stack, 'Key'), generateSecretString: { excludeCharacters: '/"@' },
    })],
    ['a template without `username`', stack => new ProtectedSecret(stack, 'Admin', {
      generateSecretString: { secretStringTemplate: '{"user":"admin"}', generateStringKey: 'password', excludeCharacters: '/"@' },
    })],
    ['a generated key other than `password`', stack => new ProtectedSecret(stack, 'Admin', {
      generateSecretString: { secretStringTemplate: '{"username":"admin"}', generateStringKey: 'pass', excludeCharacters: '/"@' },
    })],
  ])('%s is refused at synth, naming the prop, the secret and the fix', (_name, superuser) => {
    const { stack, vpc } = setup();
    const admin = superuser(stack);
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin }))
      .toThrow(/`superuserSecret` \(Test\/Admin\) does not generate a JSON value with `username` and `password`.*generateSecretString: \{ secretStringTemplate: '\{"username":"admin"\}', generateStringKey: 'password', excludeCharacters: '\/"@' \}/s);
  });

  test('a template whose username is a token is accepted (its keys are known only when resolved)', () => {
    const { stack, vpc } = setup();
    const admin = new ProtectedSecret(stack, 'Admin', {
      generateSecretString: { secretStringTemplate: stack.toJsonString({ username: 'admin' }), generateStringKey: 'password', excludeCharacters: '/"@' },
    });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin })).not.toThrow();
  });
});

test('the MariaDB integ test\'s Admin secret excludes the characters RDS refuses', () => {
  const stack = buildMariaDbAlternating(new App());
  const secrets = Template.fromStack(stack).findResources('AWS::SecretsManager::Secret');
  const admin = Object.entries(secrets).find(([id]) => id.startsWith('Admin'));
  expect(admin).toBeDefined();
  const excluded: string = admin![1].Properties.GenerateSecretString.ExcludeCharacters ?? '';
  expect([...'/@"'].filter(c => !excluded.includes(c))).toEqual([]);
});

test.each(CHECKED_APPS)('every RDS master password (instance or cluster) of the %s app comes from a generator that excludes "/", \'"\' and "@"', (_name, build) => {
  const stacks = build(new App());
  for (const stack of stacks) {
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
    const masters = Object.values(resources).filter(r => ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'].includes(r.Type) && r.Properties.MasterUserPassword);
    for (const instance of masters) {
      const secretId = JSON.stringify(instance.Properties.MasterUserPassword).match(/"Ref":"([^"]+)"/)![1];
      const generator = resources[secretId].Properties.GenerateSecretString;
      if (generator.ExcludePunctuation === true) continue;
      expect({ secretId, missing: [...'/@"'].filter(c => !(generator.ExcludeCharacters ?? '').includes(c)) }).toEqual({ secretId, missing: [] });
    }
  }
});

// The function's passwords become the master password when it rotates the master user (single-user mode, or the
// superuser's own schedule). RDS's MasterUserPassword takes "RDS for MariaDB - Must contain from 8 to 41 characters",
// the same for MySQL, 8 to 128 for PostgreSQL (CreateDBInstance), and "Must contain from 8 to 41 characters" for an
// Aurora cluster (CreateDBCluster): https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html.
describe('a rotation function whose passwords are longer than the master password RDS takes for the engine', () => {
  const mysql = rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_0 });
  const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
  const admin = (stack: Stack) => new ProtectedSecret(stack, 'Admin', { generateSecretString: { ...ADMIN_TEMPLATE, excludeCharacters: '"@/' } });

  test('RotationFunction\'s own bound names PostgreSQL\'s 128 and the 41 of MySQL and MariaDB, not "RDS\'s limit is 128"', () => {
    const { stack, vpc } = setup();
    expect(() => new RotationFunction(stack, 'Fn', { vpc, passwordLength: 200 }))
      .toThrow(/`passwordLength` must be between 8 and 128 \(RDS for PostgreSQL's longest master password; RDS for MySQL and MariaDB and Aurora clusters take at most 41, checked where a database uses the function\), got 200/);
  });

  test('single-user MySQL: a function generating 64 characters would set a master password RDS for MySQL refuses', () => {
    const { stack, vpc } = setup();
    const fn = new RotationFunction(stack, 'Fn', { vpc, passwordLength: 64 });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mysql, rotationFunction: fn }))
      .toThrow(/RotatedDatabase Test\/Db: `rotationFunction` \(Test\/Fn\) generates passwords of 64 characters \(`passwordLength`\) and rotates the master user, whose password RDS for mysql takes with 8 to 41 characters \(MasterUserPassword, https:\/\/docs\.aws\.amazon\.com\/AmazonRDS\/latest\/APIReference\/API_CreateDBInstance\.html\): give the function a `passwordLength` of at most 41/);
  });

  test('MariaDB with alternating users rotates the superuser too: the shared function made with 42 characters is refused', () => {
    const { stack, vpc } = setup();
    RotationFunction.shared(stack, { vpc, passwordLength: 42 });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin(stack) }))
      .toThrow(/generates passwords of 42 characters \(`passwordLength`\) and rotates the master user, whose password RDS for mariadb takes with 8 to 41 characters/);
  });

  test('an Aurora cluster\'s master password takes at most 41 characters, whatever the engine', () => {
    const { stack, vpc } = setup();
    const fn = new RotationFunction(stack, 'Fn', { vpc, passwordLength: 100 });
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 });
    expect(() => new RotatedAuroraCluster(stack, 'Db', { vpc, engine, rotationFunction: fn }))
      .toThrow(/RotatedAuroraCluster Test\/Db: `rotationFunction` \(Test\/Fn\) generates passwords of 100 characters \(`passwordLength`\) and rotates the master user, whose password an Aurora cluster takes with 8 to 41 characters \(MasterUserPassword, https:\/\/docs\.aws\.amazon\.com\/AmazonRDS\/latest\/APIReference\/API_CreateDBCluster\.html\)/);
  });

  test.each<[string, (stack: Stack, vpc: ec2.Vpc, fn: RotationFunction) => unknown]>([
    ['MySQL with alternating users and the superuser not rotated (the function sets only the application user\'s)',
      (stack, vpc, fn) => new RotatedDatabase(stack, 'Db', { vpc, engine: mysql, superuserSecret: admin(stack), rotateSuperuser: false, rotationFunction: fn })],
    ['single-user PostgreSQL, which takes 128', (stack, vpc, fn) => new RotatedDatabase(stack, 'Db', { vpc, engine: postgres, rotationFunction: fn })],
  ])('64 characters are accepted for %s', (_name, create) => {
    const { stack, vpc } = setup();
    const fn = new RotationFunction(stack, 'Fn', { vpc, passwordLength: 64 });
    expect(() => create(stack, vpc, fn)).not.toThrow();
  });

  test('41 characters are accepted for single-user MySQL', () => {
    const { stack, vpc } = setup();
    const fn = new RotationFunction(stack, 'Fn', { vpc, passwordLength: 41 });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mysql, rotationFunction: fn })).not.toThrow();
  });
});

// The same MasterUserPassword constraint for the passwords the function sets: "Can include any printable ASCII
// character except "/", """, or "@"" (CreateDBInstance, CreateDBCluster).
describe('a rotation function whose passwords may hold characters RDS refuses in the master password it rotates', () => {
  const mysql = rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_0 });
  const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });

  test.each<[string, rds.IInstanceEngine]>([['MySQL', mysql], ['PostgreSQL', postgres], ['MariaDB', mariadb]])(
    'single-user %s with `excludeCharacters: \'\'` is refused, naming the characters and the fix', (_name, engine) => {
      const { stack, vpc } = setup();
      const fn = new RotationFunction(stack, 'Fn', { vpc, excludeCharacters: '' });
      expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine, rotationFunction: fn }))
        .toThrow(/RotatedDatabase Test\/Db: `rotationFunction` \(Test\/Fn\) generates passwords that may contain `\/`, `"`, `@` \(its `excludeCharacters` leaves them in\) and rotates the master user.*add them to the function's `excludeCharacters`/);
    });

  test('an Aurora cluster\'s master user likewise', () => {
    const { stack, vpc } = setup();
    const fn = new RotationFunction(stack, 'Fn', { vpc, excludeCharacters: '@' });
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_4 });
    expect(() => new RotatedAuroraCluster(stack, 'Db', { vpc, engine, rotationFunction: fn }))
      .toThrow(/RotatedAuroraCluster Test\/Db: `rotationFunction` \(Test\/Fn\) generates passwords that may contain `\/`, `"`.*API_CreateDBCluster/);
  });

  test.each<[string, { excludeCharacters?: string; excludePunctuation?: boolean }]>([
    ['the default excludeCharacters', {}],
    ['an excludeCharacters holding the three', { excludeCharacters: '/"@' }],
    ['no punctuation at all', { excludeCharacters: '', excludePunctuation: true }],
  ])('%s is accepted', (_name, options) => {
    const { stack, vpc } = setup();
    const fn = new RotationFunction(stack, 'Fn', { vpc, ...options });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mysql, rotationFunction: fn })).not.toThrow();
  });

  test('with alternating users and the superuser not rotated, the function never sets the master password: accepted', () => {
    const { stack, vpc } = setup();
    const fn = new RotationFunction(stack, 'Fn', { vpc, excludeCharacters: '' });
    const admin = new ProtectedSecret(stack, 'Admin', { generateSecretString: { ...ADMIN_TEMPLATE, excludeCharacters: '"@/' } });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mysql, superuserSecret: admin, rotateSuperuser: false, rotationFunction: fn })).not.toThrow();
  });
});
