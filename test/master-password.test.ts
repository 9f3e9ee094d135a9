// RDS refuses a master password holding "/", '"' or "@" (CreateDBInstance MasterUserPassword: "Can include any
// printable ASCII character except "/", """, or "@"",
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html). A superuser secret generated
// without excluding them fails about 65% of first deployments (32 characters drawn from 94: 1 - (91/94)^32).
import { App, Stack, aws_ec2 as ec2, aws_kms as kms, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CHECKED_APPS } from './checked-apps';
import { buildMariaDbAlternating } from '../integ/integ.mariadb-alternating';
import { ProtectedSecret, RotatedDatabase } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const mariadb = rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 });
const ADMIN_TEMPLATE = { secretStringTemplate: JSON.stringify({ username: 'admin' }), generateStringKey: 'password' };

function setup() {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  return { stack, vpc };
}

describe('a superuser secret whose generator may produce characters RDS refuses in a master password', () => {
  test('a ProtectedSecret generated without excludeCharacters is refused at synth, naming the prop, the secret and the fix', () => {
    const { stack, vpc } = setup();
    const admin = new ProtectedSecret(stack, 'Admin', { generateSecretString: ADMIN_TEMPLATE });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin }))
      .toThrow(/`superuserSecret` \(Test\/Admin\) generates passwords that may contain `\/`, `"`, `@`.*excludeCharacters/s);
  });

  test('an aws-cdk-lib Secret excluding only some of them is refused, naming those still missing', () => {
    const { stack, vpc } = setup();
    const admin = new secretsmanager.Secret(stack, 'Admin', {
      encryptionKey: new kms.Key(stack, 'Key'),
      generateSecretString: { ...ADMIN_TEMPLATE, excludeCharacters: '/' },
    });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin }))
      .toThrow(/`superuserSecret` \(Test\/Admin\) generates passwords that may contain `"`, `@`,/);
  });

  test.each<[string, secretsmanager.SecretStringGenerator]>([
    ['the three excluded', { ...ADMIN_TEMPLATE, excludeCharacters: '"@/' }],
    ['punctuation excluded', { ...ADMIN_TEMPLATE, excludePunctuation: true }],
  ])('a generator with %s is accepted', (_name, generateSecretString) => {
    const { stack, vpc } = setup();
    const admin = new ProtectedSecret(stack, 'Admin', { generateSecretString });
    expect(() => new RotatedDatabase(stack, 'Db', { vpc, engine: mariadb, superuserSecret: admin })).not.toThrow();
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
