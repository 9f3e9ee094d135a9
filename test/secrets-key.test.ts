// One customer-managed key for many secrets of a stack, in one line, with the same policy the constructs give their
// own keys; and what sharing it does to each database's footprint.
import { App, Stack, aws_ec2 as ec2, aws_iam as iam, aws_rds as rds } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ProtectedSecret, RotatedAuroraCluster, RotatedDatabase, RotationFunction, SecretsKey } from '../src';

const postgres = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
const auroraPostgres = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 });

function setup() {
  const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, maxAzs: 2, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  return { stack, vpc };
}

test('secrets, databases and clusters given SecretsKey.forStack share one key and one alias', () => {
  const { stack, vpc } = setup();
  new ProtectedSecret(stack, 'ApiToken', { encryptionKey: SecretsKey.forStack(stack), readers: [new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() })] });
  new RotatedDatabase(stack, 'Orders', { vpc, engine: postgres, encryptionKey: SecretsKey.forStack(stack) });
  new RotatedDatabase(stack, 'Invoices', { vpc, engine: postgres, encryptionKey: SecretsKey.forStack(stack) });
  new RotatedAuroraCluster(stack, 'Ledger', { vpc, engine: auroraPostgres, encryptionKey: SecretsKey.forStack(stack) });
  const t = Template.fromStack(stack);
  const keyId = stack.getLogicalId(SecretsKey.forStack(stack).node.defaultChild as any);
  // Besides the shared key, only the per-stack keys of the alert topic and the rotation function's log.
  const keys = Object.values(t.findResources('AWS::KMS::Key')).map(key => key.Properties.Description);
  expect(keys.filter(description => /secret/i.test(description) && !/alerts/.test(description))).toEqual([expect.stringContaining('share it')]);
  t.resourceCountIs('AWS::KMS::Alias', 1);
  // Every secret but the rotation function's proof key, which its log key encrypts (lambda/rotation/proof.ts).
  for (const [id, secret] of Object.entries(t.findResources('AWS::SecretsManager::Secret'))) {
    if (id.includes('ProofKey')) continue;
    expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
  }
  t.hasResourceProperties('AWS::RDS::DBInstance', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
});

test('the shared key has the constructs\' own policy: the account administers it, uses it only through grants', () => {
  const { stack } = setup();
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  new ProtectedSecret(stack, 'A', { encryptionKey: SecretsKey.forStack(stack), readers: [reader] });
  const t = Template.fromStack(stack);
  t.hasResourceProperties('AWS::KMS::Key', {
    EnableKeyRotation: true,
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({ Sid: 'AccountAdministersKeyAndMayRewriteItsPolicy', Action: Match.not(Match.arrayWith(['kms:Decrypt'])) }),
        Match.objectLike({ Action: 'kms:Decrypt', Condition: Match.objectLike({ StringEquals: Match.objectLike({ 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' }) }) }),
      ]),
    },
  });
  t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
});

test('a shared key whose policy nears KMS\'s 32 KB limit is flagged at synth, naming the key and the fix', () => {
  const { stack } = setup();
  for (let i = 0; i < 150; i++) {
    const reader = new iam.Role(stack, `Reader${i}`, { assumedBy: new iam.AccountRootPrincipal() });
    new ProtectedSecret(stack, `Secret${i}`, { encryptionKey: SecretsKey.forStack(stack), readers: [reader], monitoring: { enabled: false } });
  }
  Annotations.fromStack(stack).hasWarning('/Stack/ProtectedSecretsKey', Match.stringLikeRegexp('near KMS\'s 32 KB limit.*second SecretsKey'));
  // The policy the template deploys is that large: the warning is about what KMS will see.
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  expect(JSON.stringify(key.Properties.KeyPolicy).length).toBeGreaterThan(0.9 * 32 * 1024);
});

/** The key policy as KMS receives it: each reader role's ARN (a `Fn::GetAtt` in the template) at its longest. */
function deployedPolicyBytes(keyPolicy: any): number {
  // arn:aws-us-gov:iam::<12-digit account>:role/<name of at most 64 characters>
  const roleArn = `arn:aws-us-gov:iam::123456789012:role/${'x'.repeat(64)}`;
  return JSON.stringify(keyPolicy, (_key, value) => (value && value['Fn::GetAtt'] ? roleArn : value)).length;
}

// A reader is a `Fn::GetAtt` of about 40 characters in the template and an ARN of up to 102 once deployed: measured
// in the template, the warning came after KMS would refuse the policy.
test.each([
  ['one statement per reader', {}, 110],
  ['readers merged into one statement (@aws-cdk/aws-iam:minimizePolicies)', { '@aws-cdk/aws-iam:minimizePolicies': true }, 300],
])('a shared key whose deployed policy nears 32 KB is flagged although its template is smaller: %s', (_name, context, readers) => {
  const stack = new Stack(new App({ context }), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  // Ten readers a secret keeps the stack under CloudFormation's 500 resources.
  const perSecret = 10;
  for (let i = 0; i < readers / perSecret; i++) {
    const roles = Array.from({ length: perSecret }, (_, j) => new iam.Role(stack, `Reader${i}x${j}`, { assumedBy: new iam.AccountRootPrincipal() }));
    new ProtectedSecret(stack, `Secret${i}`, { encryptionKey: SecretsKey.forStack(stack), readers: roles, monitoring: { enabled: false } });
  }
  const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
  expect(JSON.stringify(key.Properties.KeyPolicy).length).toBeLessThan(0.9 * 32 * 1024);
  expect(deployedPolicyBytes(key.Properties.KeyPolicy)).toBeGreaterThan(0.9 * 32 * 1024);
  Annotations.fromStack(stack).hasWarning('/Stack/ProtectedSecretsKey', Match.stringLikeRegexp('near KMS\'s 32 KB limit'));
});

// aws-cdk-lib removes identical statements when it renders a policy: each secret on the key adds the same account
// statements, which are not what KMS's limit counts. Measured before that, the warning fired for a deployed key
// policy of 18 KB.
test('80 secrets whose readers are roles of this app: no size warning while the deployed key policy is well under the limit', () => {
  const { stack } = setup();
  for (let i = 0; i < 80; i++) {
    const reader = new iam.Role(stack, `Reader${i}`, { assumedBy: new iam.AccountRootPrincipal() });
    new ProtectedSecret(stack, `Secret${i}`, { encryptionKey: SecretsKey.forStack(stack), readers: [reader], monitoring: { enabled: false } });
  }
  const template = Template.fromStack(stack);
  const [key] = Object.values(template.findResources('AWS::KMS::Key'));
  // Each reader adds its statement (about 220 bytes); the duplicates are gone.
  expect(JSON.stringify(key.Properties.KeyPolicy).length).toBeLessThan(0.75 * 32 * 1024);
  expect(Annotations.fromStack(stack).findWarning('/Stack/ProtectedSecretsKey', Match.stringLikeRegexp('32 KB'))).toHaveLength(0);
});

test('49 rotated databases sharing a key fit in one stack, 7 resources each (monitoring on)', () => {
  const count = (n: number) => {
    const { stack, vpc } = setup();
    for (let i = 0; i < n; i++) new RotatedDatabase(stack, `Db${i}`, { vpc, engine: postgres, encryptionKey: SecretsKey.forStack(stack) });
    return Object.keys(Template.fromStack(stack).toJSON().Resources).length;
  };
  const one = count(1);
  const many = count(49);
  // 7 of each database's own (no key, no alias), plus the monitoring rules that grow with the secrets they watch.
  expect((many - one) / 48).toBeLessThan(7.5);
  expect(many).toBeLessThanOrEqual(500);
});

describe('the alias', () => {
  // KMS: "The alias must be string of 1–256 characters. It can contain only alphanumeric characters, forward slashes
  // (/), underscores (_), and dashes (-)" (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html).
  test.each<[string, string, RegExp]>([
    ['with a dot', 'alias/shared.key', /SecretsKey Stack\/Key: `alias` must look like "alias\/<name>".*got "alias\/shared.key"/],
    ['over 256 characters', `alias/${'a'.repeat(251)}`, /SecretsKey Stack\/Key: `alias` must be at most 256 characters with its "alias\/" prefix \(KMS's limit\), got 257/],
    ['under alias/aws/ in any case', 'alias/Aws/shared', /SecretsKey Stack\/Key: `alias` must not use the reserved alias\/aws\/ prefix/],
  ])('an alias KMS refuses is refused naming the prop: %s', (_name, alias, message) => {
    const { stack } = setup();
    expect(() => new SecretsKey(stack, 'Key', { alias })).toThrow(message);
  });

  test('256 characters are accepted', () => {
    const { stack } = setup();
    expect(() => new SecretsKey(stack, 'Key', { alias: `alias/${'a'.repeat(250)}` })).not.toThrow();
  });

  test.each([['a dot', 'payments.v2'], ['300 characters', 'k'.repeat(300)]])('the default alias of an id with %s is one KMS takes', (_name, id) => {
    const { stack } = setup();
    new SecretsKey(stack, id);
    const [alias] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Alias')).map(a => a.Properties.AliasName as string);
    expect(alias).toMatch(/^alias\/protected-secrets\/[a-zA-Z0-9/_-]+$/);
    expect(alias.length).toBeLessThanOrEqual(256);
  });

  test('ids that differ only in characters KMS refuses still get different aliases', () => {
    const { stack } = setup();
    new SecretsKey(stack, 'a.b');
    new SecretsKey(stack, 'a_b.');
    new SecretsKey(stack, 'ab');
    const aliases = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Alias')).map(a => a.Properties.AliasName);
    expect(new Set(aliases).size).toBe(3);
  });

  test('an id KMS takes keeps the alias it always had (a deployed key keeps its alias)', () => {
    const { stack } = setup();
    SecretsKey.forStack(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/protected-secrets/Stack-ProtectedSecretsKey' });
  });

  test('an alias given without "alias/" gets it, as aws-cdk-lib always added it', () => {
    const { stack } = setup();
    new SecretsKey(stack, 'Key', { alias: 'app-key' });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/app-key' });
  });

  test('an id with ":" keeps the default alias aws-cdk-lib gave it before the alias checks (no alias replaced)', () => {
    const { stack } = setup();
    new SecretsKey(stack, 'Key:prod');
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/protected-secrets/Stack-Key:prod' });
  });

  test('the same alias in two environment-agnostic stacks is not refused: they may deploy to different accounts', () => {
    const app = new App();
    for (const name of ['Dev', 'Prod']) new SecretsKey(new Stack(app, name), 'Key', { alias: 'alias/app' });
    expect(() => app.synth()).not.toThrow();
  });

  test('an alias another key of the app has in the account and region is refused, naming both props', () => {
    const { stack } = setup();
    new ProtectedSecret(stack, 'Api', { keyAlias: 'alias/payments', readers: [new iam.Role(stack, 'App', { assumedBy: new iam.AccountRootPrincipal() })] });
    expect(() => new SecretsKey(stack, 'Key', { alias: 'alias/payments' }))
      .toThrow(/SecretsKey Stack\/Key: `alias` "alias\/payments" is already used by Stack\/Api \(its `keyAlias`\) in account 123456789012, region us-east-1; give each key its own alias/);
  });

  // CreateAlias: "The alias must be unique in the account and Region"
  // (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html), and the alias-create rules above.
  describe('addAlias gets the checks the `alias` prop gets (review DG)', () => {
    test('an alias another key of the app has, or this key has already, is refused naming both', () => {
      const { stack } = setup();
      const key = new SecretsKey(stack, 'Key', { alias: 'alias/payments' });
      const other = new SecretsKey(stack, 'Other');
      expect(() => other.addAlias('alias/payments'))
        .toThrow(/SecretsKey Stack\/Other: `addAlias` "alias\/payments" is already used by Stack\/Key \(its `alias`\) in account 123456789012, region us-east-1; give each key its own alias/);
      expect(() => key.addAlias('payments')).toThrow(/SecretsKey Stack\/Key: `addAlias` "alias\/payments" is already an alias of this key/);
      other.addAlias('alias/orders');
      expect(() => new SecretsKey(stack, 'Third', { alias: 'orders' })).toThrow(/`alias` "alias\/orders" is already used by Stack\/Other \(its `addAlias`\)/);
    });

    test.each([
      ['with a dot', 'alias/shared.key', /SecretsKey Stack\/Key: `addAlias` must look like "alias\/<name>".*got "alias\/shared.key"/],
      ['under alias/aws/', 'alias/aws/mine', /SecretsKey Stack\/Key: `addAlias` must not use the reserved alias\/aws\/ prefix/],
    ])('an alias KMS refuses is refused: %s', (_name, alias, message) => {
      const { stack } = setup();
      const key = new SecretsKey(stack, 'Key');
      expect(() => key.addAlias(alias)).toThrow(message);
    });

    test('a second alias of its own is added, with "alias/" as aws-cdk-lib adds it', () => {
      const { stack } = setup();
      new SecretsKey(stack, 'Key', { alias: 'alias/payments' }).addAlias('payments-v2');
      const names = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Alias')).map(a => a.Properties.AliasName);
      expect(names.sort()).toEqual(['alias/payments', 'alias/payments-v2']);
    });
  });
});

test('a key of another stack: a reader of the secret\'s stack is refused with the fix (a cycle); a shared network stack\'s key and function work (reviews AE, AF)', () => {
  const app = new App();
  const env = { account: '123456789012', region: 'us-east-1' };
  const keyStack = new Stack(app, 'KeyStack', { env });
  const appStack = new Stack(app, 'AppStack', { env });
  const key = new SecretsKey(keyStack, 'Shared');
  const reader = new iam.Role(appStack, 'Reader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  // Before: aws-cdk-lib's "would create a cyclic reference" at synth, naming neither the prop nor the fix.
  expect(() => new ProtectedSecret(appStack, 'S', { readers: [reader], encryptionKey: key }))
    .toThrow(/`readers` names AppStack\/Reader of this stack, and `encryptionKey` KeyStack\/Shared is a key of stack KeyStack.*SecretsKey.forStack/);
  // A reader of the key's stack, or imported by ARN, makes no cycle.
  const keyReader = new iam.Role(keyStack, 'KeyReader', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  new ProtectedSecret(appStack, 'Fine', { readers: [keyReader, iam.Role.fromRoleArn(appStack, 'Imported', 'arn:aws:iam::123456789012:role/app')], encryptionKey: key });
  // The README's shared network stack: its VPC, rotation function and key serve a database of another stack.
  const vpc = new ec2.Vpc(keyStack, 'Vpc', { natGateways: 0, maxAzs: 2, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const rotationFunction = new RotationFunction(keyStack, 'Rotation', { vpc });
  new RotatedDatabase(appStack, 'Db', { vpc, engine: postgres, rotationFunction, encryptionKey: key });
  expect(() => app.synth()).not.toThrow();
});

// Review DG: "Do not set the Principal to an asterisk (*) in any key policy statement that allows permissions unless
// you use conditions to limit the key policy" (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html).
describe('a statement that allows every principal without a condition is refused', () => {
  const key = () => new SecretsKey(new Stack(new App(), 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } }), 'Key');

  test.each<[string, (k: SecretsKey) => void]>([
    ['grantDecrypt(AnyPrincipal)', k => k.grantDecrypt(new iam.AnyPrincipal())],
    ['grantAdmin(StarPrincipal)', k => k.grantAdmin(new iam.StarPrincipal())],
    ['addToResourcePolicy with ArnPrincipal("*")', k => k.addToResourcePolicy(new iam.PolicyStatement({ actions: ['kms:Encrypt'], principals: [new iam.ArnPrincipal('*')], resources: ['*'] }))],
  ])('%s', (_name, grant) => {
    expect(() => grant(key())).toThrow(/SecretsKey Stack\/Key: a key policy statement would allow kms:\S+.* to every principal \("\*"\) without a condition.*Name the principals/);
  });

  test('with a condition that limits it, or as a deny, it stands', () => {
    const k = key();
    k.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt'], principals: [new iam.AnyPrincipal()], resources: ['*'], conditions: { StringEquals: { 'kms:CallerAccount': '111111111111' } },
    }));
    k.addToResourcePolicy(new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['kms:Decrypt'], principals: [new iam.AnyPrincipal()], resources: ['*'] }));
    k.grantDecrypt(new iam.PrincipalWithConditions(new iam.AnyPrincipal(), { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } }));
    expect(() => Template.fromStack(Stack.of(k))).not.toThrow();
  });
});
