// Replicas of a ProtectedSecret (addReplicaRegion): the secret's readers read them in the replica's region, a
// SecretsKey can be a replica's key, and a key of another region is refused. Decisions by the policy simulator.
import { App, Fn, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_rds as rds } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ACCOUNT, Decision, ResolvedApp, ResolvedTemplate, decide, principalCaller } from './iam-matrix';
import { ProtectedSecret, RotatedDatabase, SecretsKey } from '../src';

const PRIMARY_REGION = 'eu-west-1';
const REPLICA_REGION = 'eu-central-1';
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const inReplicaRegion = { 'aws:RequestedRegion': REPLICA_REGION };
const throughReplicaSecretsManager = { ...inReplicaRegion, 'kms:ViaService': `secretsmanager.${REPLICA_REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT };

interface Replicated {
  readonly app: App;
  readonly primary: Stack;
  readonly replica: Stack;
  readonly secret: ProtectedSecret;
  readonly role: (name: string) => iam.Role;
}

/** A primary stack in eu-west-1 and a replica stack in eu-central-1 of one account, and a protected secret. */
function replicatedApp(props: { readers?: string[]; writers?: string[] } = {}): Replicated {
  const app = new App();
  const env = (region: string) => ({ account: ACCOUNT, region });
  const primary = new Stack(app, 'Primary', { env: env(PRIMARY_REGION), crossRegionReferences: true });
  const replica = new Stack(app, 'Replica', { env: env(REPLICA_REGION), crossRegionReferences: true });
  const role = (name: string) => new iam.Role(primary, name, { assumedBy: new iam.AccountRootPrincipal(), roleName: name });
  const secret = new ProtectedSecret(primary, 'S', {
    readers: (props.readers ?? []).map(role),
    writers: (props.writers ?? []).map(role),
    deployRoles: [iam.Role.fromRoleArn(primary, 'Deployer', roleArn('deployer'))],
  });
  return { app, primary, replica, secret, role };
}

/**
 * The app's policies as deployed. A cross-region reference (the replica key's ARN, read in the primary stack) is a
 * custom resource's attribute, which the resolver cannot follow: it is replaced by the value the replica stack writes.
 */
function deployed(app: App) {
  const assembly = app.synth();
  const replica = new ResolvedTemplate('Replica', assembly.getStackByName('Replica').template);
  const written: Record<string, string> = {};
  for (const [, writer] of replica.ofType('Custom::CrossRegionExportWriter')) {
    for (const [name, value] of Object.entries(writer.Properties.WriterProps.exports)) written[name] = replica.resolve(value);
  }
  const readExports = (value: any): any => {
    if (Array.isArray(value)) return value.map(readExports);
    if (value === null || typeof value !== 'object') return value;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && written[getAtt[1]] !== undefined) return written[getAtt[1]];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readExports(v)]));
  };
  const primary = new ResolvedTemplate('Primary', readExports(assembly.getStackByName('Primary').template));
  const resolved = new ResolvedApp([primary, replica]);
  const [primaryArn, secretPolicy] = [...primary.secretPolicies()][0];
  const [keyId, key] = replica.ofType('AWS::KMS::Key')[0];
  const identities = resolved.identityPolicies();
  return {
    replicaArn: primaryArn.replace(`:${PRIMARY_REGION}:`, `:${REPLICA_REGION}:`),
    secretPolicy,
    keyArn: replica.arnOf(keyId),
    keyPolicy: replica.resolve(key.Properties.KeyPolicy),
    caller: (name: string) => principalCaller(name, roleArn(name), identities.get(name) ?? [], { 'kms:CallerAccount': ACCOUNT }),
  };
}

type ReplicaKey = (replica: Stack) => kms.IKey;
const keys: Array<[string, ReplicaKey]> = [
  ['a kms.Key of the replica region (default key policy)', replica => new kms.Key(replica, 'Key')],
  ['the SecretsKey of the replica region', replica => SecretsKey.forStack(replica)],
];

/** The two ways to add a replica: the construct's method, and aws-cdk-lib's on `.secret`. */
const adders: Array<[string, (secret: ProtectedSecret, region: string, key: kms.IKey) => void]> = [
  ['ProtectedSecret.addReplicaRegion', (secret, region, key) => secret.addReplicaRegion(region, key)],
  ['secret.addReplicaRegion (aws-cdk-lib)', (secret, region, key) => secret.secret.addReplicaRegion(region, key)],
];

describe.each(keys)('a replica encrypted with %s', (_, replicaKey) => {
  test.each(adders)('added with %s: readers, writers and every kind of grantee read it, granted before or after it was added', async (__, addReplica) => {
    const { app, primary, replica, secret, role } = replicatedApp({ readers: ['reader'], writers: ['writer'] });
    secret.grantRead(role('granted-before'));
    secret.secret.grantRead(role('granted-on-secret-before'));
    addReplica(secret, REPLICA_REGION, replicaKey(replica));
    secret.grantRead(role('granted-after'));
    secret.grantReadViaParameterStore(role('parameter-reader'));
    const fn = new lambda.Function(primary, 'Fn', {
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      role: role('function-role'),
    });
    secret.secret.grantRead(fn);
    const d = deployed(app);
    const readers = ['reader', 'writer', 'granted-before', 'granted-on-secret-before', 'granted-after', 'parameter-reader', 'function-role'];
    const decisions: Record<string, [Decision, Decision]> = {};
    for (const name of readers) {
      decisions[name] = [
        await decide(d.caller(name), 'secretsmanager:GetSecretValue', d.replicaArn, d.secretPolicy, inReplicaRegion),
        await decide(d.caller(name), 'kms:Decrypt', d.keyArn, d.keyPolicy, throughReplicaSecretsManager),
      ];
    }
    expect(decisions).toEqual(Object.fromEntries(readers.map(name => [name, ['Allowed', 'Allowed']])));
  });

  test('the replica key is granted through Secrets Manager of the replica region only, and the deny still refuses everyone else', async () => {
    const { app, replica, secret } = replicatedApp({ readers: ['reader'] });
    secret.addReplicaRegion(REPLICA_REGION, replicaKey(replica));
    const d = deployed(app);
    const direct = { ...inReplicaRegion, 'kms:CallerAccount': ACCOUNT };
    const throughPrimary = { ...direct, 'kms:ViaService': `secretsmanager.${PRIMARY_REGION}.amazonaws.com` };
    expect(await decide(d.caller('reader'), 'kms:Decrypt', d.keyArn, d.keyPolicy, direct)).not.toBe('Allowed');
    expect(await decide(d.caller('reader'), 'kms:Decrypt', d.keyArn, d.keyPolicy, throughPrimary)).not.toBe('Allowed');
    const admin = principalCaller('admin', roleArn('admin'), [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    expect(await decide(admin, 'secretsmanager:GetSecretValue', d.replicaArn, d.secretPolicy, inReplicaRegion)).toBe('ExplicitlyDenied');
  });
});

test('a SecretsKey as the replica key lets an administrator replicate (kms:GenerateDataKey, kms:Encrypt through Secrets Manager of its region) and nobody use it directly', async () => {
  const { app, replica, secret } = replicatedApp({ readers: ['reader'] });
  secret.addReplicaRegion(REPLICA_REGION, SecretsKey.forStack(replica));
  const { keyArn, keyPolicy } = deployed(app);
  // An administrator (CloudFormation's execution role) with every IAM right, as ReplicateSecretToRegions needs
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets_troubleshoot.html).
  const admin = principalCaller('admin', roleArn('admin'), [{ Effect: 'Allow', Action: '*', Resource: '*' }], { 'kms:CallerAccount': ACCOUNT });
  for (const action of ['kms:GenerateDataKey', 'kms:Encrypt']) {
    expect([action, await decide(admin, action, keyArn, keyPolicy, throughReplicaSecretsManager)]).toEqual([action, 'Allowed']);
    expect([action, await decide(admin, action, keyArn, keyPolicy, { ...inReplicaRegion, 'kms:CallerAccount': ACCOUNT })]).toEqual([action, 'ImplicitlyDenied']);
  }
});

test('a SecretsKey of a stack without secrets carries the same use statements as one a secret of its stack uses', () => {
  const policyOf = (withSecret: boolean) => {
    const app = new App();
    const stack = new Stack(app, 'Keys', { env: { account: ACCOUNT, region: REPLICA_REGION } });
    const key = SecretsKey.forStack(stack);
    if (withSecret) new ProtectedSecret(stack, 'S', { encryptionKey: key, denyOthers: false, monitoring: { enabled: false } });
    return stack.resolve((key.node.defaultChild as kms.CfnKey).keyPolicy);
  };
  expect(policyOf(false)).toEqual(policyOf(true));
});

test('a principal without an IAM policy of the app (a service principal) is warned about, naming it and the replica', () => {
  const { app, replica, secret } = replicatedApp({ readers: ['reader'] });
  secret.grantRead(new iam.ServicePrincipal('events.amazonaws.com'));
  secret.addReplicaRegion(REPLICA_REGION, new kms.Key(replica, 'Key'));
  app.synth();
  Annotations.fromStack(secret.stack).hasWarning('/Primary/S', Match.stringLikeRegexp(
    `events\\.amazonaws\\.com\\) may read the secret but not its replica in ${REPLICA_REGION}.*cdk-protected-secrets:replica-not-granted`));
});

test('the library\'s rotation function, which rotates in the primary region, is no reader to warn about (review BM)', () => {
  // "Secrets Manager rotates the secret in the primary Region, and the new secret value propagates to all of the
  // associated replica secrets" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html).
  const { app, primary, replica, role } = replicatedApp({ readers: ['reader'] });
  const vpc = new ec2.Vpc(primary, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 });
  const db = new RotatedDatabase(primary, 'Db', { vpc, engine, secretReaders: [role('app')] });
  db.secret.addReplicaRegion(REPLICA_REGION, new kms.Key(replica, 'DbKey'));
  app.synth();
  const warnings = Annotations.fromStack(primary).findWarning('*', Match.stringLikeRegexp('replica-not-granted'));
  expect(warnings.map(w => w.entry.data)).toEqual([]);
});

test('an imported role that takes no statement (mutable: false) is warned about, not silently left without the replica (review BM)', () => {
  const { app, primary, replica, secret } = replicatedApp({ readers: ['reader'] });
  secret.grantRead(iam.Role.fromRoleArn(primary, 'Fixed', roleArn('fixed'), { mutable: false }));
  secret.addReplicaRegion(REPLICA_REGION, new kms.Key(replica, 'Key'));
  app.synth();
  Annotations.fromStack(primary).hasWarning('/Primary/S', Match.stringLikeRegexp(
    `role/fixed.* may read the secret but not its replica in ${REPLICA_REGION}.*imported with mutable: false`));
});

test('a replica set on the CfnSecret directly, past addReplicaRegion, is warned about: its readers are not granted it (review BM)', () => {
  const { app, primary, secret } = replicatedApp({ readers: ['reader'] });
  (secret.secret.node.defaultChild as any).replicaRegions = [{ region: REPLICA_REGION, kmsKeyId: `arn:aws:kms:${REPLICA_REGION}:${ACCOUNT}:key/abcd` }];
  app.synth();
  Annotations.fromStack(primary).hasWarning('/Primary/S', Match.stringLikeRegexp(`replica in ${REPLICA_REGION} was set on the CfnSecret.*addReplicaRegion`));
});

// Both orders of grant and replica (review BT: the order replica-first went unchecked).
test.each([['granted before the replica', true], ['granted after the replica', false]])('a grantee of write only, %s, gets nothing on the replica, which is written through its primary only', (_order, grantFirst) => {
  const { app, replica, secret, role } = replicatedApp({ readers: ['reader'] });
  if (grantFirst) secret.grantWrite(role('writer-only'));
  secret.addReplicaRegion(REPLICA_REGION, new kms.Key(replica, 'Key'));
  if (!grantFirst) secret.grantWrite(role('writer-only'));
  const assembly = app.synth();
  const statements = new ResolvedTemplate('Primary', assembly.getStackByName('Primary').template).identityPolicies().get('writer-only') ?? [];
  expect(statements).not.toEqual([]);
  expect(JSON.stringify(statements)).not.toContain(REPLICA_REGION);
});

// Review DI: input addReplicaRegion took without a word, or refused with a fix that could not work.
describe('addReplicaRegion refuses a region or key it cannot replicate to, naming the fix', () => {
  test('the same region twice (two ReplicaRegions entries, readers granted both keys)', () => {
    const replicated = replicatedApp({ readers: ['reader'] });
    replicated.secret.addReplicaRegion(REPLICA_REGION, SecretsKey.forStack(replicated.replica));
    expect(() => replicated.secret.addReplicaRegion(REPLICA_REGION, new kms.Key(replicated.replica, 'Other')))
      .toThrow(/ProtectedSecret Primary\/S: `addReplicaRegion` got "eu-central-1" twice.*one replica per region/);
  });

  test('a region code in upper case, with the code it should be', () => {
    const replicated = replicatedApp({ readers: ['reader'] });
    expect(() => replicated.secret.addReplicaRegion('EU-CENTRAL-1', kms.Key.fromKeyArn(replicated.primary, 'Key', `arn:aws:kms:eu-central-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`)))
      .toThrow(/`addReplicaRegion` got the region "EU-CENTRAL-1": region codes are lower case, "eu-central-1"/);
  });

  // A replica's ARN "is the same as the primary secret except for the Region"
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html), and accounts of the China
  // Regions "will not work" in other Regions (https://docs.amazonaws.cn/en_us/aws/latest/userguide/general-info.html):
  // no replica crosses a partition (review DZ).
  test.each([
    ['cn-north-1', 'us-east-1'],
    ['us-east-1', 'cn-northwest-1'],
    ['us-gov-west-1', 'us-east-1'],
  ])('a region of another partition (%s to %s)', (primaryRegion, replicaRegion) => {
    const stack = new Stack(new App(), 'Primary', { env: { account: ACCOUNT, region: primaryRegion } });
    const secret = new ProtectedSecret(stack, 'S', { readers: [], writers: [], denyOthers: false, monitoring: { enabled: false } });
    const key = kms.Key.fromKeyArn(stack, 'Key', `arn:aws:kms:${replicaRegion}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
    expect(() => secret.addReplicaRegion(replicaRegion, key))
      .toThrow(new RegExp(`\`addReplicaRegion\` got ${replicaRegion}, a region of partition aws(-[a-z]+)?, but the secret is in ${primaryRegion} .*same partition`));
  });

  test('a key construct of a stack of another account, which aws-cdk-lib could not reference: import it by ARN', () => {
    const replicated = replicatedApp({ readers: ['reader'] });
    const other = new Stack(replicated.app, 'Other', { env: { account: '222222222222', region: REPLICA_REGION } });
    expect(() => replicated.secret.addReplicaRegion(REPLICA_REGION, SecretsKey.forStack(other)))
      .toThrow(/the replica's key Other\/ProtectedSecretsKey is in account 222222222222, not 111111111111.*kms\.Key\.fromKeyArn/);
  });
});

describe('a replica key of another region is refused at synth', () => {
  test.each([
    ['a key construct of the primary stack', (r: Replicated) => new kms.Key(r.primary, 'Key'), /Primary\/Key of region eu-west-1/],
    ['a key imported by an ARN of another region', (r: Replicated) => kms.Key.fromKeyArn(r.primary, 'Key', `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`),
      /arn:aws:kms:us-east-1:111111111111:key\/1234abcd-12ab-34cd-56ef-1234567890ab of region us-east-1/],
  ])('%s', (_, key, named) => {
    const replicated = replicatedApp({ readers: ['reader'] });
    replicated.secret.secret.addReplicaRegion(REPLICA_REGION, key(replicated));
    expect(() => replicated.app.synth()).toThrow(/the replica in "eu-central-1" \(`addReplicaRegion`\) has the key/);
    expect(() => replicated.app.synth()).toThrow(named);
    expect(() => replicated.app.synth()).toThrow(/pass a key of eu-central-1/);
  });

  test('a key of the replica region, or one whose region is known only at deploy, stands', () => {
    const replicated = replicatedApp({ readers: ['reader'] });
    replicated.secret.addReplicaRegion(REPLICA_REGION, kms.Key.fromKeyArn(replicated.primary, 'Far', `arn:aws:kms:${REPLICA_REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`));
    replicated.secret.addReplicaRegion('us-east-1', kms.Key.fromKeyArn(replicated.primary, 'Unknown', Fn.importValue('ReplicaKeyArn')));
    expect(() => replicated.app.synth()).not.toThrow();
  });

  // "Any symmetric encryption customer managed key in the AWS account and Region"
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html): review DG.
  test('an asymmetric key of the replica region is refused, naming it and the replica', () => {
    const replicated = replicatedApp({ readers: ['reader'] });
    replicated.secret.addReplicaRegion(REPLICA_REGION, new kms.Key(replicated.replica, 'Rsa', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT }));
    expect(() => replicated.app.synth()).toThrow(/the replica's key \(`addReplicaRegion\("eu-central-1", key\)`\) Replica\/Rsa has keySpec "RSA_2048".*symmetric encryption key/);
  });

  test('an alias imported by name (other than the AWS managed key\'s, refused as no key) is refused: the grants could not name it', () => {
    const replicated = replicatedApp({ readers: ['reader'] });
    replicated.secret.addReplicaRegion(REPLICA_REGION, kms.Alias.fromAliasName(replicated.primary, 'Alias', 'alias/replica'));
    expect(() => replicated.app.synth()).toThrow(/the replica in "eu-central-1" \(`addReplicaRegion`\) has the key alias\/replica, an alias imported by name/);
  });
});
