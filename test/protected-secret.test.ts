import { App, Aws, CfnParameter, CliCredentialsStackSynthesizer, Fn, NestedStack, RemovalPolicy, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_rds as rds, aws_secretsmanager as secretsmanager, aws_ssm as ssm } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { ACCOUNT, OTHER_ACCOUNT, REGION, ResolvedTemplate, decide, principalCaller } from './iam-matrix';
import { ProtectedSecret, ProtectedSecretProps, RotatedDatabase, RotationFunction, SecretsKey } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function stackWith(props: (stack: Stack) => ProtectedSecretProps) {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: ENV });
  const secret = new ProtectedSecret(stack, 'Db', props(stack));
  return { app, stack, secret, template: () => Template.fromStack(stack) };
}

/**
 * KMS actions a principal is given on the key, wherever aws-cdk-lib put them: the principal's IAM policy or the
 * key policy (which one depends on the app's `@aws-cdk/aws-kms:defaultKeyPolicies` feature flag).
 */
function kmsStatementsFor(stack: Stack, principal: iam.IRole): any[] {
  const t = Template.fromStack(stack);
  const roleRef = stack.resolve((principal.node.defaultChild as iam.CfnRole).ref);
  const roleArn = stack.resolve(principal.roleArn);
  const fromIam = Object.values(t.findResources('AWS::IAM::Policy'))
    .filter(p => JSON.stringify(p.Properties.Roles).includes(JSON.stringify(roleRef)))
    .flatMap(p => p.Properties.PolicyDocument.Statement);
  const fromKey = Object.values(t.findResources('AWS::KMS::Key'))
    .flatMap(k => k.Properties.KeyPolicy.Statement)
    .filter(s => JSON.stringify(s.Principal) === JSON.stringify({ AWS: roleArn }));
  return [...fromIam, ...fromKey].filter(s => [].concat(s.Action).some((a: string) => a.startsWith('kms:')));
}

/** A protected secret imported into the test stack (eu-west-1, account 111111111111) from `region` and `account`, with its key. */
function importedFrom(region: string, account: string) {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const imported = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
    secretCompleteArn: `arn:aws:secretsmanager:${region}:${account}:secret:prod/db-AbCdEf`,
    encryptionKey: kms.Key.fromKeyArn(stack, 'Key', `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`),
  });
  return { stack, imported };
}

/** The statements of every IAM policy of `stack`. */
function iamStatements(stack: Stack): any[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(p => p.Properties.PolicyDocument.Statement);
}

/** The DefaultStackSynthesizer's CloudFormation execution role of the test stack, as the template names it. */
const CFN_EXEC_ROLE_ARN = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-west-1']],
};

function denyStatement(t: Template): any {
  const policy = Object.values(t.findResources('AWS::SecretsManager::ResourcePolicy'))[0];
  return policy.Properties.ResourcePolicy.Statement.find((s: any) => s.Sid === 'DenyValueAccessToEveryoneElse');
}

function role(stack: Stack, id: string) {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

describe('ProtectedSecret key', () => {
  // aws-cdk-lib's minimizer fails on a statement whose principal carries conditions (its Secret adds one for the key's
  // use through Secrets Manager, a ViaServicePrincipal) beside a plain one with the same conditions
  // (https://github.com/aws/aws-cdk/issues/28713); the secret's own key minimizes its policy, and a SecretsKey does
  // under @aws-cdk/aws-iam:minimizePolicies (review BS).
  // Review CN: the policy holds a copy of such a statement; a change made to the original afterwards must not be lost.
  test('a statement with a conditional principal, changed after it was added to the secret\'s own key, refuses the change loudly', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const key = new ProtectedSecret(stack, 'Db', { readers: [role(stack, 'R')] }).encryptionKey!;
    const statement = new iam.PolicyStatement({
      principals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/Consumer').withConditions({ StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } })],
      actions: ['kms:Decrypt'],
      resources: ['*'],
    });
    key.addToResourcePolicy(statement);
    expect(() => statement.addActions('kms:DescribeKey')).toThrow(/freeze\(\) has been called/);
    // A statement without conditional principals stays the caller's to change.
    const plain = new iam.PolicyStatement({ principals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/Other')], actions: ['kms:DescribeKey'], resources: ['*'] });
    key.addToResourcePolicy(plain);
    plain.addActions('kms:GetKeyPolicy');
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')).flatMap((k: any) => k.Properties.KeyPolicy.Statement);
    expect(statements.filter((st: any) => JSON.stringify(st.Principal).includes('role/Other')).flatMap((st: any) => [st.Action].flat())).toEqual(expect.arrayContaining(['kms:DescribeKey', 'kms:GetKeyPolicy']));
  });

  test.each<[string, (stack: Stack) => kms.IKey]>([
    ['the secret\'s own key', stack => new ProtectedSecret(stack, 'Db', { readers: [role(stack, 'R')] }).encryptionKey!],
    ['a SecretsKey with minimized policies', stack => {
      stack.node.setContext('@aws-cdk/aws-iam:minimizePolicies', true);
      const key = SecretsKey.forStack(stack);
      new ProtectedSecret(stack, 'Db', { readers: [role(stack, 'R')], encryptionKey: key });
      return key;
    }],
  ])('a statement added to %s with the conditions of its Secrets Manager statement synthesizes', (_name, build) => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const key = build(stack);
    const viaSecretsManager = { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } };
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ArnPrincipal('arn:aws:iam::111111111111:role/Consumer')], actions: ['kms:Decrypt'], resources: ['*'], conditions: viaSecretsManager,
    }));
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')).flatMap((k: any) => k.Properties.KeyPolicy.Statement);
    const consumers = statements.filter((st: any) => JSON.stringify(st.Principal).includes('role/Consumer'));
    expect(consumers).toEqual([expect.objectContaining({ Effect: 'Allow', Condition: viaSecretsManager })]);
    expect([consumers[0].Action].flat()).toContain('kms:Decrypt');
  });

  test('creates a rotating customer-managed key with an alias and encrypts the secret with it', () => {
    const { template } = stackWith(stack => ({ readers: [role(stack, 'Reader')] }));
    const t = template();
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: Match.stringLikeRegexp('^alias/protected-secret/') });
    const keyId = Object.keys(t.findResources('AWS::KMS::Key'))[0];
    t.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  test('the key policy lets the account administer the key but use it only through Secrets Manager', () => {
    const { template } = stackWith(stack => ({ readers: [role(stack, 'Reader')] }));
    const statements: any[] = Object.values(template().findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement;

    const admin = statements.find(s => s.Sid === 'AccountAdministersKeyAndMayRewriteItsPolicy');
    expect(admin.Action).not.toEqual(expect.arrayContaining(['kms:Decrypt']));
    expect(admin.Action).not.toContain('kms:*');
    expect(admin.Action).toEqual(expect.arrayContaining(['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']));
    // An administrator cannot hand themselves use through a grant: grants only for AWS services' resources.
    const unconditioned = statements.filter(s => !s.Condition).flatMap(s => [].concat(s.Action));
    expect(unconditioned.filter(a => /^kms:(Create\*|CreateGrant|\*)$/.test(a))).toEqual([]);
    expect(statements.find(s => ([] as string[]).concat(s.Action).includes('kms:CreateGrant')).Condition)
      .toEqual({ Bool: { 'kms:GrantIsForAWSResource': 'true' } });

    // Every statement that allows using the key carries the Secrets Manager kms:ViaService condition.
    const usage = statements.filter(s => [].concat(s.Action).some((a: string) => /kms:(Decrypt|Encrypt|GenerateDataKey|ReEncrypt)/.test(a)));
    expect(usage.length).toBeGreaterThan(0);
    for (const s of usage) {
      expect(s.Condition.StringEquals['kms:ViaService']).toEqual('secretsmanager.eu-west-1.amazonaws.com');
    }
  });

  test('uses a key passed in and creates none', () => {
    const { template } = stackWith(stack => ({ encryptionKey: new kms.Key(stack, 'Mine'), readers: [role(stack, 'Reader')] }));
    // The only other key is the alert topic's, which never encrypts the secret.
    const keys = Object.values(template().findResources('AWS::KMS::Key'));
    expect(keys.map(k => k.Properties.Description)).toEqual([undefined, expect.stringMatching(/^Encrypts the secret alerts of /)]);
    template().resourceCountIs('AWS::KMS::Alias', 0);
  });

  test('retains secret and keys by default, except when the deploy that creates them rolls back; destroys them when asked', () => {
    // RetainExceptOnCreate "behaves like Retain for stack operations, except for the stack operation that initially
    // created the resource" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html):
    // a failed first deploy leaves no secret (whose name would block the retry) and no key behind.
    const retained = stackWith(stack => ({ readers: [role(stack, 'Reader')] })).template();
    for (const type of ['AWS::SecretsManager::Secret', 'AWS::KMS::Key']) {
      const resources = Object.values(retained.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect([resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual(['RetainExceptOnCreate', 'Retain']);
    }
    const destroyed = stackWith(stack => ({ readers: [role(stack, 'Reader')], removalPolicy: RemovalPolicy.DESTROY })).template();
    destroyed.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
    destroyed.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });
});

// Without a DeletionPolicy CloudFormation deletes a resource that leaves the stack: a retained secret would stay with
// aws-cdk-lib's key statement for the account (through Secrets Manager) and lose its deny, readable by any role whose
// IAM policy allows GetSecretValue and kms:Decrypt.
test('the resource policy stays and goes with the secret: retained by default, on removal and on replacement', () => {
  const policyOf = (t: Template) => Object.values(t.findResources('AWS::SecretsManager::ResourcePolicy'))[0];
  const retained = policyOf(stackWith(stack => ({ readers: [role(stack, 'Reader')] })).template());
  expect([retained.DeletionPolicy, retained.UpdateReplacePolicy]).toEqual(['RetainExceptOnCreate', 'Retain']);
  const destroyed = policyOf(stackWith(stack => ({ readers: [role(stack, 'Reader')], removalPolicy: RemovalPolicy.DESTROY })).template());
  expect([destroyed.DeletionPolicy, destroyed.UpdateReplacePolicy]).toEqual(['Delete', 'Delete']);
  // applyRemovalPolicy after construction moves the policy with the secret too.
  const { stack, template } = stackWith(s => ({ readers: [role(s, 'Reader')] }));
  (stack.node.findAll().find(c => c instanceof ProtectedSecret) as ProtectedSecret).applyRemovalPolicy(RemovalPolicy.DESTROY);
  expect(policyOf(template()).DeletionPolicy).toEqual('Delete');
});

// "If you don't include this field, Secrets Manager uses aws/secretsmanager"
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-secretsmanager-secret-replicaregion.html).
test('a replica added on the underlying secret without a key is refused at synth; with a key of its region it stands', () => {
  const { app, secret } = stackWith(s => ({ readers: [role(s, 'R')] }));
  secret.secret.addReplicaRegion('eu-central-1');
  expect(() => app.synth()).toThrow(/the replica in "eu-central-1" \(added with `secret.addReplicaRegion`\) has no key.*aws\/secretsmanager/);

  const managed = stackWith(s => ({ readers: [role(s, 'R')] }));
  managed.secret.secret.addReplicaRegion('eu-central-1', kms.Alias.fromAliasName(managed.stack, 'Managed', 'alias/aws/secretsmanager'));
  expect(() => managed.app.synth()).toThrow(/the replica in "eu-central-1" .* has no key/);

  // A list a parameter sets as a whole is the user's to check, and must not crash the synth.
  const whole = stackWith(s => ({ readers: [role(s, 'R')] }));
  (whole.secret.secret.node.defaultChild as secretsmanager.CfnSecret).replicaRegions = Fn.ref('Replicas') as any;
  expect(() => whole.app.synth()).not.toThrow();

  const withKey = stackWith(s => ({ readers: [role(s, 'R')] }));
  withKey.secret.secret.addReplicaRegion('eu-central-1', kms.Key.fromKeyArn(withKey.stack, 'Far', 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'));
  expect(() => withKey.app.synth()).not.toThrow();
});

describe('ProtectedSecret resource policy', () => {
  // PutResourcePolicy takes at most 20,480 characters (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html).
  test('a policy near Secrets Manager\'s 20,480 characters warns at synth; one of a few readers does not', () => {
    const size = (readers: number) => {
      const { stack, app } = stackWith(s => ({ readers: Array.from({ length: readers }, (_, i) => role(s, `Reader${i}`)) }));
      app.synth();
      return Annotations.fromStack(stack).findWarning('/Test/Db', Match.stringLikeRegexp('resource policy is about .* characters when deployed')).length;
    };
    expect(size(3)).toBe(0);
    expect(size(30)).toBe(0);
    expect(size(70)).toBe(1);
  });

  test('a few readers with long role paths (IAM allows 512 characters) warn too', () => {
    const path = Array.from({ length: 50 }, () => 'teamxxxxx').join('/');
    const { stack, app } = stackWith(s => ({
      readers: Array.from({ length: 17 }, (_, i) => iam.Role.fromRoleArn(s, `Long${i}`, `arn:aws:iam::111111111111:role/${path}/reader-${i}`, { mutable: false })),
    }));
    app.synth();
    expect(Annotations.fromStack(stack).findWarning('/Test/Db', Match.stringLikeRegexp('resource policy is about')).length).toBe(1);
  });


  test('readers may read, writers may also write, everyone else is denied the value, public policies are blocked', () => {
    const { stack, template } = stackWith(s => ({ readers: [role(s, 'Reader')], writers: [role(s, 'Writer')] }));
    const t = template();
    const readerArn = stack.resolve((stack.node.findChild('Reader') as iam.Role).roleArn);
    const writerArn = stack.resolve((stack.node.findChild('Writer') as iam.Role).roleArn);

    t.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      BlockPublicPolicy: true,
      ResourcePolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { AWS: readerArn },
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { AWS: writerArn },
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          }),
          Match.objectLike({
            Sid: 'DenyValueAccessToEveryoneElse',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            // Every action that reads or sets the value or its stages, exactly.
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecret', 'secretsmanager:UpdateSecretVersionStage'],
            // No aws:CalledVia key: calling through CloudFormation exempts nobody by itself.
            Condition: {
              StringNotEquals: { 'aws:PrincipalArn': [readerArn, writerArn, CFN_EXEC_ROLE_ARN] },
            },
          }),
        ]),
      },
    });
  });

  test('the deny never covers management actions, so administrators are not locked out', () => {
    const { template } = stackWith(s => ({ readers: [role(s, 'Reader')] }));
    const policy = Object.values(template().findResources('AWS::SecretsManager::ResourcePolicy'))[0];
    const deny = policy.Properties.ResourcePolicy.Statement.find((s: any) => s.Effect === 'Deny');
    for (const action of ['secretsmanager:DescribeSecret', 'secretsmanager:PutResourcePolicy', 'secretsmanager:DeleteResourcePolicy', 'secretsmanager:DeleteSecret', 'secretsmanager:*']) {
      expect(deny.Action).not.toContain(action);
    }
  });

  test('readers get kms:Decrypt and writers kms:Encrypt in the key policy, both only via Secrets Manager', () => {
    const { stack } = stackWith(s => ({ readers: [role(s, 'Reader')], writers: [role(s, 'Writer')] }));
    const reader = kmsStatementsFor(stack, stack.node.findChild('Reader') as iam.Role);
    const writer = kmsStatementsFor(stack, stack.node.findChild('Writer') as iam.Role);
    expect(reader.flatMap(s => [].concat(s.Action))).toContain('kms:Decrypt');
    expect(reader.flatMap(s => [].concat(s.Action))).not.toContain('kms:Encrypt');
    expect(writer.flatMap(s => [].concat(s.Action))).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt']));
    for (const s of [...reader, ...writer]) {
      expect(s.Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
    }
  });

  test('a service principal as reader is exempted by service name (a whole account is refused, see review r1)', () => {
    const { template } = stackWith(() => ({ readers: [new iam.ServicePrincipal('rds.amazonaws.com')] }));
    expect(denyStatement(template()).Condition.StringNotEquals).toEqual(expect.objectContaining({
      'aws:PrincipalServiceName': ['rds.amazonaws.com'],
    }));
    expect(denyStatement(template()).Condition.StringNotEquals['aws:PrincipalAccount']).toBeUndefined();
  });

  test.each([
    ['reader', 'secretsmanager:GetSecretValue'],
    ['writer', 'secretsmanager:PutSecretValue'],
    ['grantRead', 'secretsmanager:GetSecretValue'],
    ['grantWrite of .secret', 'secretsmanager:PutSecretValue'],
  ])('a service principal as %s acts only on behalf of the secret\'s account (aws:SourceAccount, review AG)', async (kind, action) => {
    // Any account's use of the service would otherwise read (or overwrite) the secret: the confused deputy.
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    const reader = role(stack, 'Reader');
    const kafka = new iam.ServicePrincipal('kafka.amazonaws.com');
    const secret = new ProtectedSecret(stack, 'Db', kind === 'reader' ? { readers: [reader, kafka] } : kind === 'writer' ? { readers: [reader], writers: [kafka] } : { readers: [reader] });
    if (kind === 'grantRead') secret.grantRead(kafka);
    if (kind === 'grantWrite of .secret') secret.secret.grantWrite(kafka);
    const t = new ResolvedTemplate('Test', Template.fromStack(stack).toJSON());
    const arn = t.resolve({ Ref: t.ofType('AWS::SecretsManager::Secret')[0][0] }) as string;
    const policy = t.secretPolicies().get(arn);
    const kafkaFor = (account: string) => ({
      label: `kafka for ${account}`,
      principal: 'kafka.amazonaws.com',
      context: { 'aws:PrincipalServiceName': 'kafka.amazonaws.com', 'aws:SourceAccount': account, 'aws:SourceArn': `arn:aws:kafka:${REGION}:${account}:cluster/c/x` },
    });
    expect(await decide(kafkaFor(ACCOUNT), action, arn, policy)).toBe('Allowed');
    expect(await decide(kafkaFor(OTHER_ACCOUNT), action, arn, policy)).not.toBe('Allowed');
    // The role listed beside it keeps its access: the condition is on the service's statement only.
    const roleArn = t.resolve(stack.resolve(reader.roleArn)) as string;
    expect(await decide(principalCaller('reader', roleArn, undefined), 'secretsmanager:GetSecretValue', arn, policy)).toBe('Allowed');
  });

  test('a service principal with conditions of the user\'s own keeps them in place of aws:SourceAccount (for a service that does not send it)', async () => {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    const sourceArn = `arn:aws:mediatailor:${REGION}:${ACCOUNT}:sourceLocation/*`;
    new ProtectedSecret(stack, 'Db', { readers: [new iam.ServicePrincipal('mediatailor.amazonaws.com').withConditions({ ArnLike: { 'aws:SourceArn': sourceArn } })] });
    const template = Template.fromStack(stack);
    const t = new ResolvedTemplate('Test', template.toJSON());
    const arn = t.resolve({ Ref: t.ofType('AWS::SecretsManager::Secret')[0][0] }) as string;
    const policy = t.secretPolicies().get(arn);
    const allow = (policy as any).Statement.find((s: any) => s.Effect === 'Allow' && JSON.stringify(s.Principal).includes('mediatailor'));
    expect(allow.Condition).toEqual({ ArnLike: { 'aws:SourceArn': sourceArn } });
    // The key policy names the service without them: KMS, called by Secrets Manager for the service, may not see
    // aws:SourceArn, and a missing key would fail the condition (review AM).
    const keyStatements = Object.values(template.findResources('AWS::KMS::Key')).flatMap((k: any) => k.Properties.KeyPolicy.Statement)
      .filter((st: any) => JSON.stringify(st.Principal).includes('mediatailor'));
    expect(keyStatements.length).toBeGreaterThan(0);
    for (const st of keyStatements) expect(Object.keys(st.Condition)).toEqual(['StringEquals']);
    const mediatailor = (context: Record<string, string>) => ({ label: 'mediatailor', principal: 'mediatailor.amazonaws.com', context: { 'aws:PrincipalServiceName': 'mediatailor.amazonaws.com', ...context } });
    expect(await decide(mediatailor({ 'aws:SourceArn': `arn:aws:mediatailor:${REGION}:${ACCOUNT}:sourceLocation/a` }), 'secretsmanager:GetSecretValue', arn, policy)).toBe('Allowed');
    expect(await decide(mediatailor({ 'aws:SourceArn': `arn:aws:mediatailor:${REGION}:${OTHER_ACCOUNT}:sourceLocation/a` }), 'secretsmanager:GetSecretValue', arn, policy)).not.toBe('Allowed');
    // `withConditions({})`: any account's use of the service, stated on purpose (review AM).
    const openStack = new Stack(new App(), 'Open', { env: ENV });
    new ProtectedSecret(openStack, 'Open', { readers: [new iam.ServicePrincipal('mediatailor.amazonaws.com').withConditions({})] });
    const open = Object.values(Template.fromStack(openStack).findResources('AWS::SecretsManager::ResourcePolicy'))
      .flatMap((p: any) => p.Properties.ResourcePolicy.Statement)
      .filter((st: any) => st.Effect === 'Allow' && JSON.stringify(st.Principal).includes('mediatailor') && !JSON.stringify(st.Condition ?? {}).includes('sourceLocation'));
    expect(open.map((st: any) => st.Condition)).toEqual([undefined]);
    // An IAM principal with conditions is still refused: the deny's exemption could not carry them.
    expect(() => new ProtectedSecret(openStack, 'Other', { readers: [new iam.PrincipalWithConditions(role(openStack, 'R'), { Bool: { 'aws:SecureTransport': 'true' } })] }))
      .toThrow(/`readers` contains a principal with conditions/);
    // The fix it names must narrow the access: an Allow with the condition beside the reader's would not (allows add up;
    // review BS), a Deny or the principal's own policy does.
    expect(() => new ProtectedSecret(openStack, 'Third', { readers: [new iam.PrincipalWithConditions(role(openStack, 'R3'), { Bool: { 'aws:SecureTransport': 'true' } })] }))
      .toThrow(/Pass the plain principal and put the conditions in its own IAM policy, or in a Deny statement/);
  });

  test('a principal joining a service and a role is refused: the service\'s statement carries a condition the role\'s requests lack', () => {
    expect(() => stackWith(s => ({ readers: [new iam.CompositePrincipal(role(s, 'Reader'), new iam.ServicePrincipal('kafka.amazonaws.com'))] })))
      .toThrow(/`readers` contains a principal that joins service principals and IAM principals \(a CompositePrincipal\); list them as separate principals/);
  });

  test('a person who deploys without a service role is exempt once listed in deployRoles, beside the execution role', () => {
    const deployer = 'arn:aws:iam::111111111111:role/platform-deployer';
    const { template } = stackWith(s => ({ readers: [role(s, 'Reader')], deployRoles: [iam.Role.fromRoleArn(s, 'Deployer', deployer)] }));
    expect(denyStatement(template()).Condition.StringNotEquals['aws:PrincipalArn']).toEqual(expect.arrayContaining([deployer, CFN_EXEC_ROLE_ARN]));
  });

  test('a stack synthesized without an execution role exempts only the deployRoles it is given', () => {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV, synthesizer: new CliCredentialsStackSynthesizer() });
    const reader = role(stack, 'Reader');
    new ProtectedSecret(stack, 'Db', { readers: [reader] });
    expect(denyStatement(Template.fromStack(stack)).Condition.StringNotEquals['aws:PrincipalArn']).toEqual([stack.resolve(reader.roleArn)]);
    Annotations.fromStack(stack).hasWarning('/Test/Db', Match.stringLikeRegexp('names no CloudFormation execution role and `deployRoles` is empty'));
  });

  test('a secret in a nested stack exempts the root stack\'s execution role', () => {
    const app = new App();
    const parent = new Stack(app, 'Test', { env: ENV });
    const nested = new NestedStack(parent, 'Nested');
    new ProtectedSecret(nested, 'Db', { readers: [role(nested, 'Reader')] });
    expect(denyStatement(Template.fromStack(nested)).Condition.StringNotEquals['aws:PrincipalArn']).toContainEqual(CFN_EXEC_ROLE_ARN);
  });

  test('no deny statement when denyOthers is off', () => {
    const { template } = stackWith(s => ({ denyOthers: false, readers: [role(s, 'Reader')] }));
    const policy = Object.values(template().findResources('AWS::SecretsManager::ResourcePolicy'))[0];
    expect(policy.Properties.ResourcePolicy.Statement.filter((s: any) => s.Effect === 'Deny')).toEqual([]);
  });
});

describe('ProtectedSecret grants', () => {
  test('grantRead gives the secret actions and kms:Decrypt via Secrets Manager, and exempts the grantee from the deny', () => {
    const { stack, secret, template } = stackWith(() => ({}));
    const reader = role(stack, 'Reader');
    expect(secret.grantRead(reader).success).toBe(true);
    const t = template();
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow' })]) },
    });
    const kmsGrants = kmsStatementsFor(stack, reader);
    expect(kmsGrants.flatMap(s => [].concat(s.Action))).toEqual(['kms:Decrypt']);
    expect(kmsGrants[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } });
    expect(denyStatement(t).Condition.StringNotEquals['aws:PrincipalArn']).toContainEqual(stack.resolve(reader.roleArn));
  });

  // Secrets Manager "acts on behalf of the user who is creating or changing the secret value", who "must have" both
  // kms:GenerateDataKey and kms:Decrypt (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html#security-encryption-authz):
  // a PutSecretValue retried with the same token decrypts the existing version to compare it.
  test('grantWrite gives PutSecretValue/UpdateSecretVersionStage (never UpdateSecret) and kms:GenerateDataKey + Decrypt via Secrets Manager', () => {
    const { stack, secret, template } = stackWith(() => ({}));
    const writer = role(stack, 'Writer');
    secret.grantWrite(writer);
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'] })]) },
    });
    expect(JSON.stringify(template().findResources('AWS::IAM::Policy'))).not.toContain('secretsmanager:UpdateSecret"');
    const kmsGrants = kmsStatementsFor(stack, writer);
    expect(kmsGrants.flatMap(s => [].concat(s.Action))).toEqual(expect.arrayContaining(['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:Decrypt']));
    for (const s of kmsGrants) expect(s.Condition.StringEquals['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
  });
});

describe('ProtectedSecret grants through the underlying aws-cdk-lib objects', () => {
  test('an ECS task granted through `.secret` is exempt from the deny, not silently denied at run time', () => {
    const { stack, secret, template } = stackWith(() => ({}));
    const task = role(stack, 'Task');
    secret.secret.grantRead(task);
    expect(denyStatement(template()).Condition.StringNotEquals['aws:PrincipalArn']).toContainEqual(stack.resolve(task.roleArn));
  });

  test('a grant on the database attachment (DatabaseInstance.secret) exempts too', () => {
    const { stack, secret, template } = stackWith(() => ({}));
    const target: any = { asSecretAttachmentTarget: () => ({ targetId: 'db-1', targetType: 'AWS::RDS::DBInstance' }) };
    const attachment = secret.attach(target);
    const app = role(stack, 'App');
    attachment.grantRead(app);
    expect(denyStatement(template()).Condition.StringNotEquals['aws:PrincipalArn']).toContainEqual(stack.resolve(app.roleArn));
  });

  // Without aws-cdk-lib's `useAttachedSecretResourcePolicyForSecretTargetAttachments` flag (unset in apps made
  // before 2.67 that never opted in), the stock attachment makes a second ResourcePolicy for the same secret, which
  // CloudFormation refuses or lets replace the one holding the deny.
  test('a statement added through the database attachment lands in the secret\'s one resource policy, whatever the flag', () => {
    for (const flag of [false, true]) {
      const app = new App({ context: { '@aws-cdk/aws-secretsmanager:useAttachedSecretResourcePolicyForSecretTargetAttachments': flag } });
      const stack = new Stack(app, 'Test', { env: ENV });
      const secret = new ProtectedSecret(stack, 'Secret', { monitoring: { enabled: false } });
      const target: any = { asSecretAttachmentTarget: () => ({ targetId: 'db-1', targetType: 'AWS::RDS::DBInstance' }) };
      const attachment = secret.attach(target);
      attachment.grantRead(new iam.ServicePrincipal('ses.amazonaws.com'));
      attachment.denyAccountRootDelete();
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 1);
      expect(JSON.stringify(template.findResources('AWS::SecretsManager::ResourcePolicy'))).toContain('ses.amazonaws.com');
    }
  });

  test('rotating an imported secret gives the rotation role use of its imported key, through Secrets Manager only', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const imported = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf',
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', keyArn),
    });
    const rotation = role(stack, 'Rotation');
    imported.grantRead(rotation);
    imported.grantWrite(rotation);
    const kmsGrants = kmsStatementsFor(stack, rotation);
    expect(kmsGrants.flatMap(s => [].concat(s.Resource))).toEqual([keyArn, keyArn]);
    expect(kmsGrants.flatMap(s => [].concat(s.Action))).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
    for (const s of kmsGrants) expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } });
  });
});

test('a grant on an imported protected secret warns that the owner\'s deny must exempt the role, naming it and the fix', () => {
  // The owner's deny refuses every role it does not name; the IAM grant here alone would be silently useless.
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const imported = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
    secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf',
  });
  imported.grantRead(role(stack, 'Reporting'));
  Annotations.fromStack(stack).hasWarning('/Test/Imported', Match.stringLikeRegexp('Test/Reporting.*owning ProtectedSecret.*`readers`'));
});

describe('ProtectedSecret rotated by the user\'s own Lambda (addRotationSchedule)', () => {
  function ownRotation() {
    // A reader, so the secret is valid without the rotation (without one, the rotation's grants alone must count).
    const { stack, secret, template } = stackWith(s => ({ readers: [role(s, 'Service')] }));
    const fn = new lambda.Function(stack, 'MyRotation', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    secret.addRotationSchedule('Rotation', { rotationLambda: fn });
    return { stack, secret, fn, t: template() };
  }

  test('the library\'s own function, scheduled through addRotationSchedule, gets no GetRandomPassword (it makes its passwords)', () => {
    const { stack, secret, template } = stackWith(s => ({ readers: [role(s, 'Service')] }));
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const rotation = new RotationFunction(stack, 'LibraryRotation', { vpc });
    secret.addRotationSchedule('Rotation', { rotationLambda: rotation.function });
    const t = template();
    const actions = [...Object.values(t.findResources('AWS::IAM::Policy')), ...Object.values(t.findResources('AWS::IAM::ManagedPolicy'))]
      .flatMap(p => p.Properties.PolicyDocument.Statement).flatMap((st: any) => [].concat(st.Action));
    expect(actions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']));
    expect(actions).not.toContain('secretsmanager:GetRandomPassword');
  });

  test('Secrets Manager may invoke the function for this secret of this account only (SourceAccount and SourceArn)', () => {
    const { stack, fn, t } = ownRotation();
    const permissions = Object.values(t.findResources('AWS::Lambda::Permission'));
    expect(permissions.length).toBe(1);
    expect(permissions[0].Properties).toEqual(expect.objectContaining({
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      FunctionName: stack.resolve(fn.functionArn),
      SourceAccount: '111111111111',
      SourceArn: expect.anything(),
    }));
    expect(JSON.stringify(permissions[0].Properties.SourceArn)).toContain('DbSecret');
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
  });

  test('the function\'s role may run the four steps and is exempt from the deny, not denied at its first rotation', () => {
    const { stack, fn, t } = ownRotation();
    const actions = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter(p => JSON.stringify(p.Properties.Roles).includes(JSON.stringify(stack.resolve((fn.role!.node.defaultChild as iam.CfnRole).ref))))
      .flatMap(p => p.Properties.PolicyDocument.Statement).flatMap((st: any) => [].concat(st.Action));
    expect(actions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret',
      'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:GetRandomPassword']));
    expect(actions).not.toContain('secretsmanager:UpdateSecret');
    expect(denyStatement(t).Condition.StringNotEquals['aws:PrincipalArn']).toContainEqual(stack.resolve(fn.role!.roleArn));
  });

  test('a function imported without its role fails at synth, naming the fix, rather than being denied at every rotation', () => {
    const { stack, secret } = stackWith(s => ({ readers: [role(s, 'Service')] }));
    const fn = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:eu-west-1:111111111111:function:rotate');
    expect(() => secret.addRotationSchedule('Rotation', { rotationLambda: fn })).toThrow(/Test\/Db: addRotationSchedule\('Rotation'\).*Test\/Imported.*fromFunctionAttributes\(.*role/);
  });
});

describe('ProtectedSecret rotated through aws-cdk-lib paths, which grant in IAM but cannot lift the deny by themselves', () => {
  function fnIn(stack: Stack) {
    return new lambda.Function(stack, 'MyRotation', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
  }

  test('`.secret.addRotationSchedule` exempts the function\'s role from the deny, and the schedule waits for the resource policy', () => {
    const { stack, secret, template } = stackWith(s => ({ readers: [role(s, 'Service')] }));
    const fn = fnIn(stack);
    const schedule = secret.secret.addRotationSchedule('Rotation', { rotationLambda: fn });
    const t = template();
    expect(denyStatement(t).Condition.StringNotEquals['aws:PrincipalArn']).toContainEqual(stack.resolve(fn.role!.roleArn));
    const policyId = stack.getLogicalId(secret.secret.node.findChild('Policy').node.defaultChild as secretsmanager.CfnResourcePolicy);
    const scheduleId = stack.getLogicalId(schedule.node.defaultChild as secretsmanager.CfnRotationSchedule);
    expect(t.toJSON().Resources[scheduleId].DependsOn).toContain(policyId);
  });

  test('a RotationSchedule built directly on `.secret` fails at synth, naming the fix, instead of being denied at every rotation', () => {
    const { app, stack, secret } = stackWith(s => ({ readers: [role(s, 'Service')] }));
    new secretsmanager.RotationSchedule(stack, 'Direct', { secret: secret.secret, rotationLambda: fnIn(stack) });
    expect(() => app.synth()).toThrow(/Test\/Direct.*addRotationSchedule/);
  });

  test('the app-wide check sees a schedule added after an earlier synthesis, for every secret it rotates', () => {
    // The validations of all secrets share one walk of the app: it must be taken again at each synthesis.
    const { app, stack, secret } = stackWith(s => ({ readers: [role(s, 'Service')] }));
    const other = new ProtectedSecret(stack, 'Other', { readers: [role(stack, 'OtherService')] });
    expect(() => app.synth({ force: true })).not.toThrow();
    new secretsmanager.RotationSchedule(stack, 'Direct', { secret: secret.secret, rotationLambda: fnIn(stack) });
    new secretsmanager.RotationSchedule(stack, 'DirectOther', { secret: other.secret, rotationLambda: lambda.Function.fromFunctionArn(stack, 'OtherFn', 'arn:aws:lambda:eu-west-1:111111111111:function:f') });
    expect(() => app.synth({ force: true })).toThrow(/\[Test\/Db\] Test\/Direct[^\n]*\n[^]*\[Test\/Other\] Test\/DirectOther/);
  });

  test('a hosted rotation on a secret with denyOthers fails, naming the fix (its role can never be exempted)', () => {
    const { secret } = stackWith(s => ({ readers: [role(s, 'Service')] }));
    expect(() => secret.addRotationSchedule('Hosted', { hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser() }))
      .toThrow(/Test\/Db.*hostedRotation.*RotationFunction.*denyOthers: false/);
  });

  test('a hosted rotation is still allowed with denyOthers off (nothing to exempt)', () => {
    const { secret, template } = stackWith(s => ({ readers: [role(s, 'Service')], denyOthers: false }));
    secret.addRotationSchedule('Hosted', { hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser() });
    template().resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
  });

  test.each(['addRotationSingleUser', 'addRotationMultiUser'] as const)('a DatabaseInstance using the secret with %s fails, naming the fix', (method) => {
    const { app, stack, secret } = stackWith(s => ({ readers: [role(s, 'Service')], generateSecretString: { secretStringTemplate: '{"username":"app"}', generateStringKey: 'password' } }));
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'Db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const db = new rds.DatabaseInstance(stack, 'Instance', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromSecret(secret),
    });
    const vpcSubnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    expect(() => {
      if (method === 'addRotationSingleUser') db.addRotationSingleUser({ vpcSubnets });
      else db.addRotationMultiUser('User', { secret: new secretsmanager.Secret(stack, 'User'), vpcSubnets });
      app.synth();
    }).toThrow(/Test\/Db.*RotatedDatabase.*denyOthers: false/);
  });
});

describe('ProtectedSecret Parameter Store', () => {
  test('exposes the /aws/reference/secretsmanager/ name and grants ssm:GetParameter on exactly that reference', () => {
    const { stack, secret, template } = stackWith(() => ({ secretName: 'prod/db' }));
    expect(secret.parameterStoreReference).toBe('/aws/reference/secretsmanager/prod/db');
    secret.grantReadViaParameterStore(role(stack, 'App'));
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ssm:GetParameter', 'ssm:GetParameters'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/aws/reference/secretsmanager/prod/db']] },
          }),
          Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] }),
        ]),
      },
    });
  });

  test('publishes the ARN, not the value, under the chosen parameter name', () => {
    const { template } = stackWith(s => ({ readers: [role(s, 'Reader')], arnParameterName: '/platform/db/secret-arn' }));
    const t = template();
    const secretId = Object.keys(t.findResources('AWS::SecretsManager::Secret'))[0];
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: '/platform/db/secret-arn', Type: 'String', Value: { Ref: secretId } });
  });
});

describe('ProtectedSecret value', () => {
  test('generates a value without connection-string-breaking characters by default, and no plaintext lands in the template', () => {
    const { template } = stackWith(s => ({ readers: [role(s, 'Reader')] }));
    const secret = Object.values(template().findResources('AWS::SecretsManager::Secret'))[0];
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString.PasswordLength).toBe(32);
    for (const c of ['@', '/', '"', '\\', ' ']) expect(secret.Properties.GenerateSecretString.ExcludeCharacters).toContain(c);
  });

  test('a JSON template with a generated field', () => {
    const { template } = stackWith(s => ({
      readers: [role(s, 'Reader')],
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'app' }), generateStringKey: 'password' },
    }));
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{"username":"app"}', GenerateStringKey: 'password' },
    });
  });
});

describe('replication to another account (review BY)', () => {
  // A replica in another account has its own policy and key and receives every later value, rotations included
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/cross-account-replicate-secrets.html).
  // A stand-in, named as such: the simulator's action data (iam-data 0.21.202609261, the newest the registry serves)
  // predates AssociateCrossAccountReplica and refuses it as "invalid.action". The action is renamed, in the policy and
  // the request, to RemoveRegionsFromReplication, an action of the same resource type that the policy names nowhere
  // else; the simulator then evaluates the statement as written.
  const STAND_IN = 'secretsmanager:RemoveRegionsFromReplication';
  const decideAssociate = (caller: Parameters<typeof decide>[0], arn: string, policy: any) => {
    expect(JSON.stringify(policy ?? {})).not.toContain(STAND_IN);
    return decide(caller, STAND_IN, arn, JSON.parse(JSON.stringify(policy ?? null).split('secretsmanager:AssociateCrossAccountReplica').join(STAND_IN)) ?? undefined);
  };
  test('nobody may link the secret to a replica in another account, not even a reader whose IAM policy allows every secretsmanager action', async () => {
    const { stack } = stackWith(s => ({ readers: [role(s, 'Reader')], breakGlassPrincipals: [role(s, 'BreakGlass')] }));
    const t = new ResolvedTemplate('Test', Template.fromStack(stack).toJSON());
    const arn = t.resolve({ Ref: t.ofType('AWS::SecretsManager::Secret')[0][0] }) as string;
    const policy = t.secretPolicies().get(arn);
    const everything = [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }];
    for (const id of ['Reader', 'BreakGlass']) {
      const roleArn = t.resolve(stack.resolve((stack.node.findChild(id) as iam.Role).roleArn)) as string;
      const caller = principalCaller(id, roleArn, everything);
      expect(await decide(caller, 'secretsmanager:GetSecretValue', arn, policy)).toBe('Allowed');
      expect(await decideAssociate(caller, arn, policy)).toBe('ExplicitlyDenied');
      // The stand-in itself is not denied: the decision is the statement's.
      expect(await decide(caller, STAND_IN, arn, policy)).toBe('Allowed');
    }
  });

  test('denyOthers: false leaves it to IAM, as the rest of the secret', async () => {
    const { stack } = stackWith(s => ({ readers: [role(s, 'Reader')], denyOthers: false }));
    const t = new ResolvedTemplate('Test', Template.fromStack(stack).toJSON());
    const arn = t.resolve({ Ref: t.ofType('AWS::SecretsManager::Secret')[0][0] }) as string;
    const roleArn = t.resolve(stack.resolve((stack.node.findChild('Reader') as iam.Role).roleArn)) as string;
    const caller = principalCaller('Reader', roleArn, [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }]);
    expect(await decideAssociate(caller, arn, t.secretPolicies().get(arn))).toBe('Allowed');
  });
});

describe('ProtectedSecret validation names the offending prop', () => {
  test.each<[string, (s: Stack) => ProtectedSecretProps, RegExp]>([
    ['parameter name without leading slash', s => ({ readers: [role(s, 'R')], arnParameterName: 'db/arn' }), /`arnParameterName` must start with a forward slash/],
    ['parameter name under /aws/', s => ({ readers: [role(s, 'R')], arnParameterName: '/aws/mine' }), /`arnParameterName` must not begin with "aws" or "ssm"/],
    ['alias without prefix', s => ({ readers: [role(s, 'R')], keyAlias: 'mykey' }), /`keyAlias` must look like "alias\/<name>"/],
    ['reserved alias', s => ({ readers: [role(s, 'R')], keyAlias: 'alias/aws/secretsmanager' }), /`keyAlias` must not use the reserved/],
    ['alias with a key passed in', s => ({ readers: [role(s, 'R')], keyAlias: 'alias/x', encryptionKey: new kms.Key(s, 'K') }), /`keyAlias` only applies/],
    ['template without key', s => ({ readers: [role(s, 'R')], generateSecretString: { secretStringTemplate: '{}' } }), /`generateSecretString.secretStringTemplate` and `generateSecretString.generateStringKey`/],
    ['template that is not JSON', s => ({ readers: [role(s, 'R')], generateSecretString: { secretStringTemplate: 'user=x', generateStringKey: 'p' } }), /must be a JSON object/],
    ['too short a password', s => ({ readers: [role(s, 'R')], generateSecretString: { passwordLength: 4 } }), /`generateSecretString.passwordLength` must be a whole number from 8 to 4096, got 4/],
    ['federated reader', () => ({ readers: [new iam.FederatedPrincipal('cognito-identity.amazonaws.com', {})] }), /`readers` contains a principal that is neither/],
    ['AnyPrincipal as reader', () => ({ readers: [new iam.AnyPrincipal()] }), /`readers` contains AnyPrincipal/],
    ['"*" as writer', () => ({ writers: [new iam.ArnPrincipal('*')] }), /`writers` contains AnyPrincipal/],
    ['a role of another account as reader', s => ({ readers: [iam.Role.fromRoleArn(s, 'Other', 'arn:aws:iam::222222222222:role/app')] }), /`readers` contains a principal of account 222222222222, but the secret is in 111111111111/],
    ['another account as reader', () => ({ readers: [new iam.AccountPrincipal('222222222222')] }), /`readers` contains a principal of account 222222222222/],
    // An ArnPrincipal has no principalAccount: the account is read from its ARN (review AB).
    ['a role of another account by ARN as reader', () => ({ readers: [new iam.ArnPrincipal('arn:aws:iam::222222222222:role/app')] }), /`readers` contains a principal of account 222222222222/],
    ['a user of another account by ARN, partition a token, as writer', () => ({ writers: [new iam.ArnPrincipal(`arn:${Aws.PARTITION}:iam::222222222222:user/ops`)] }),
      /`writers` contains a principal of account 222222222222/],
    // "The account ARN and the shortened account ID behave the same way. Both delegate permissions to the account"
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts):
    // an account by its bare ID is another account's principal too (review BS).
    ['another account by its bare ID as reader', () => ({ readers: [new iam.ArnPrincipal('222222222222')], denyOthers: false }), /`readers` contains a principal of account 222222222222/],
    ['another account by its bare ID as writer, deny on', () => ({ writers: [new iam.ArnPrincipal('222222222222')] }), /`writers` contains a principal of account 222222222222/],
    // The secret's own account, by ID or root ARN: the deny's exemption would name no role or user of it.
    ['the own account by its bare ID as reader', () => ({ readers: [new iam.ArnPrincipal('111111111111')] }), /`readers` contains the account 111111111111.*denyOthers: false/],
    ['the own account by its root ARN as reader', () => ({ readers: [new iam.ArnPrincipal('arn:aws:iam::111111111111:root')] }), /`readers` contains the account 111111111111.*denyOthers: false/],
    // With the partition a token, or inside a CompositePrincipal (review CN).
    ['the own account by a root ARN with a token partition', () => ({ readers: [new iam.ArnPrincipal(`arn:${Aws.PARTITION}:iam::111111111111:root`)] }), /`readers` contains the account 111111111111/],
    ['the account root inside a CompositePrincipal', s => ({ readers: [new iam.CompositePrincipal(role(s, 'R'), new iam.AccountRootPrincipal())] }), /`readers` contains the account/],
    // An organization is every account in it; conditions on an allow do not narrow other allows (review BS).
    ['an organization as reader', () => ({ readers: [new iam.OrganizationPrincipal('o-abcdefghij12')] }),
      /`readers` contains a principal of every account that meets its conditions \(such as an OrganizationPrincipal\)/],
    ['a key imported by its alias ARN', s => ({ readers: [role(s, 'R')], encryptionKey: kms.Key.fromKeyArn(s, 'Shared', 'arn:aws:kms:eu-west-1:111111111111:alias/shared') }),
      /`encryptionKey` is the alias alias\/shared.*cmks-in-iam-policies/],
    // With the partition (or region, account) a token, the literal "alias/" still makes it an alias ARN.
    ['a key imported by its alias ARN, partition a token', s => ({ readers: [role(s, 'R')], encryptionKey: kms.Key.fromKeyArn(s, 'Shared', `arn:${Aws.PARTITION}:kms:${Aws.REGION}:111111111111:alias/shared`) }),
      /`encryptionKey` is the alias alias\/shared.*cmks-in-iam-policies/],
    // ... and with the alias name itself known only at deployment (review CW).
    ['a key imported by an alias ARN whose name is a token', s => ({ readers: [role(s, 'R')], encryptionKey: kms.Key.fromKeyArn(s, 'Shared', `arn:aws:kms:eu-west-1:111111111111:alias/${Aws.STACK_NAME}`) }),
      /`encryptionKey` is the alias alias\/<a name known at deployment>.*cmks-in-iam-policies/],
    // Review CN: the AWS managed key by its alias ARN is named as such, not as an alias to replace by its key.
    ['the AWS managed key by its alias ARN', s => ({ readers: [role(s, 'R')], encryptionKey: kms.Key.fromKeyArn(s, 'Managed', 'arn:aws:kms:eu-west-1:111111111111:alias/aws/secretsmanager') }),
      /`encryptionKey` is the AWS managed key alias\/aws\/secretsmanager.*Leave `encryptionKey` out/],
    // aws:PrincipalArn of a role session is the role's ARN, so a session ARN would never be exempted.
    ['a role session (assumed-role ARN) as reader', () => ({ readers: [new iam.ArnPrincipal('arn:aws:sts::111111111111:assumed-role/app/session-1')] }), /`readers` contains the role session arn:aws:sts::111111111111:assumed-role\/app\/session-1.*iam.Role.fromRoleArn/],
    ['a whole account as deploy role', s => ({ readers: [role(s, 'R')], deployRoles: [new iam.AccountRootPrincipal()] }), /`deployRoles` contains the account/],
    ['break glass without deny', s => ({ denyOthers: false, readers: [role(s, 'R')], breakGlassPrincipals: [role(s, 'B')] }), /`breakGlassPrincipals` only makes sense/],
    // KMS: "You cannot use a key id, alias name, or alias ARN to identify a KMS key in an IAM policy statement"
    // (https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html): the grants on the alias ARN
    // would deploy and every reader, writer and rotation would then be refused by KMS.
    ['a key imported by alias name', s => ({ readers: [role(s, 'R')], encryptionKey: kms.Alias.fromAliasName(s, 'Shared', 'alias/shared') }),
      /`encryptionKey` is the alias alias\/shared, imported by name.*cmks-in-iam-policies.*kms.Key.fromKeyArn/],
  ])('%s', (_name, props, message) => {
    expect(() => stackWith(props)).toThrow(message);
  });

  test('a key imported by its key ARN with a token partition is accepted (only an alias ARN is refused)', () => {
    expect(() => stackWith(s => ({
      readers: [role(s, 'R')],
      encryptionKey: kms.Key.fromKeyArn(s, 'Shared', `arn:${Aws.PARTITION}:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab`),
    })).app.synth()).not.toThrow();
  });

  // Secrets Manager's DescriptionType: max 2048 (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html).
  test('a description over 2,048 characters is refused; 2,048 are accepted', () => {
    expect(() => stackWith(s => ({ readers: [role(s, 'R')], description: 'd'.repeat(2049) })))
      .toThrow(/ProtectedSecret Test\/Db: `description` must be at most 2048 characters \(Secrets Manager's limit\), got 2049/);
    expect(() => stackWith(s => ({ readers: [role(s, 'R')], description: 'd'.repeat(2048) }))).not.toThrow();
  });

  test.each([['[1]', 'an array'], ['"x"', 'a JSON string'], ['42', 'a JSON number'], ['null', 'null']])('a template that is JSON but not an object (%s) is refused, saying what it is', (template, what) => {
    expect(() => stackWith(s => ({ readers: [role(s, 'R')], generateSecretString: { secretStringTemplate: template, generateStringKey: 'password' } })))
      .toThrow(new RegExp(`\`generateSecretString.secretStringTemplate\` must be a JSON object.*got ${what} of`));
  });

  // Review CE: the message echoed the template, and a template that fails to parse may hold a password.
  test('a template that is not JSON is refused without its text in the error', () => {
    const template = '{"username":"app","dbPassword":"Hunter2-LEAKED",}';
    let message = '';
    try {
      stackWith(s => ({ readers: [role(s, 'R')], generateSecretString: { secretStringTemplate: template, generateStringKey: 'password' } }));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/`generateSecretString.secretStringTemplate` must be a JSON object.*text that is not JSON of 49 characters \(value withheld\)/);
    expect(message).not.toContain('Hunter2');
  });

  // CloudFormation's GenerateSecretString.PasswordLength is an Integer
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-secretsmanager-secret-generatesecretstring.html).
  test('a password length that is not a whole number is refused', () => {
    expect(() => stackWith(s => ({ readers: [role(s, 'R')], generateSecretString: { passwordLength: 20.5 } })))
      .toThrow(/`generateSecretString.passwordLength` must be a whole number from 8 to 4096, got 20.5/);
  });

  test('a password length from a CloudFormation parameter is left to CloudFormation', () => {
    const { template } = stackWith(s => ({
      readers: [role(s, 'R')],
      generateSecretString: { passwordLength: new CfnParameter(s, 'Length', { type: 'Number' }).valueAsNumber },
    }));
    template().hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: { PasswordLength: { Ref: 'Length' } } });
  });

  test.each<[string, secretsmanager.SecretStringGenerator, RegExp]>([
    ['all four types excluded', { excludeNumbers: true, excludePunctuation: true, excludeUppercase: true, excludeLowercase: true },
      /`generateSecretString.excludeNumbers`, `generateSecretString.excludePunctuation`, `generateSecretString.excludeUppercase` and `generateSecretString.excludeLowercase` are all true/],
    ['every character of the one type left excluded', { excludeNumbers: true, excludePunctuation: true, excludeUppercase: true, excludeCharacters: 'abcdefghijklmnopqrstuvwxyz' },
      /`generateSecretString.excludeCharacters` holds every character of the included types/],
    ['every digit excluded while each type is required', { excludeCharacters: '0123456789' },
      /`generateSecretString.excludeCharacters` holds every numbers character.*set `generateSecretString.excludeNumbers: true`/],
  ])('password rules that leave nothing to draw from are refused as RotationFunction refuses them: %s', (_name, generator, message) => {
    expect(() => stackWith(s => ({ readers: [role(s, 'R')], generateSecretString: generator }))).toThrow(message);
  });

  test.each<[string, string, RegExp]>([
    // "Parameter hierarchies are limited to a maximum depth of fifteen levels" (PutParameter).
    ['16 levels', `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, /`arnParameterName` has 16 levels.*at most 15/],
    // 1011 characters counting the ARN's prefix, here `arn:aws:ssm:eu-west-1:111111111111:parameter/` (45).
    ['a name too long with its ARN prefix', `/${'n'.repeat(967)}`, /`arnParameterName` is 968 characters, and with its ARN's prefix 1012; Systems Manager allows at most 1011/],
    ['"aws" after the slash, in capitals', '/AWSconfig/arn', /`arnParameterName` must not begin with "aws" or "ssm"/],
    ['"ssm" after the slash', '/ssm-app/arn', /`arnParameterName` must not begin with "aws" or "ssm"/],
    ['a space', '/my param/x', /`arnParameterName` may contain only letters, digits, "_", ".", "-" and "\/" between levels, got "\/my param\/x"/],
  ])('an SSM parameter name Systems Manager refuses: %s', (_name, arnParameterName, message) => {
    expect(() => stackWith(s => ({ readers: [role(s, 'R')], arnParameterName }))).toThrow(message);
  });

  test('15 levels and 1011 characters with the ARN prefix are accepted', () => {
    expect(() => stackWith(s => ({ readers: [role(s, 'R')], arnParameterName: `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}` }))).not.toThrow();
    expect(() => stackWith(s => ({ readers: [role(s, 'R')], arnParameterName: `/${'n'.repeat(966)}` }))).not.toThrow();
  });

  // KMS documents alias/aws/ as reserved; aws-cdk-lib refuses it in any case, in a message that names no prop.
  test('an alias under alias/AWS/ (capitals) names the prop', () => {
    expect(() => stackWith(s => ({ readers: [role(s, 'R')], keyAlias: 'alias/AWS/x' })))
      .toThrow(/ProtectedSecret Test\/Db: `keyAlias` must not use the reserved alias\/aws\/ prefix \(in any letter case\), got "alias\/AWS\/x"/);
  });

  test('the same keyAlias on two secrets of one account and region is refused', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: ENV });
    new ProtectedSecret(a, 'Db', { readers: [role(a, 'R')], keyAlias: 'alias/payments' });
    expect(() => new ProtectedSecret(b, 'Db', { readers: [role(b, 'R')], keyAlias: 'alias/payments' }))
      .toThrow(/ProtectedSecret B\/Db: `keyAlias` "alias\/payments" is already used by A\/Db in account 111111111111, region eu-west-1; give each key its own alias/);
  });

  test('the same arnParameterName on two secrets of one account and region is refused, in another region accepted', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: ENV });
    const c = new Stack(app, 'C', { env: { ...ENV, region: 'us-east-1' } });
    new ProtectedSecret(a, 'Db', { readers: [role(a, 'R')], arnParameterName: '/payments/arn' });
    expect(() => new ProtectedSecret(c, 'Db', { readers: [role(c, 'R')], arnParameterName: '/payments/arn' })).not.toThrow();
    expect(() => new ProtectedSecret(b, 'Db', { readers: [role(b, 'R')], arnParameterName: '/payments/arn' }))
      .toThrow(/ProtectedSecret B\/Db: `arnParameterName` "\/payments\/arn" is already used by A\/Db in account 111111111111, region eu-west-1/);
  });

  // "When you create a secret, you can choose any symmetric encryption customer managed key in the AWS account and
  // Region" (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html); DisableKey "prevents
  // use of the KMS key for cryptographic operations" (https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html).
  describe('a key of this app Secrets Manager cannot encrypt with is refused at synth (review DG)', () => {
    test.each<[string, (s: Stack) => kms.Key, RegExp]>([
      ['asymmetric', s => new kms.Key(s, 'Key', { keySpec: kms.KeySpec.RSA_2048, keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT }),
        /\[Test\/Db\] `encryptionKey` Test\/Key has keySpec "RSA_2048".*symmetric encryption.*security-encryption\.html.*SYMMETRIC_DEFAULT/],
      ['HMAC', s => new kms.Key(s, 'Key', { keySpec: kms.KeySpec.HMAC_256, keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC }),
        /`encryptionKey` Test\/Key has keySpec "HMAC_256" and keyUsage "GENERATE_VERIFY_MAC"/],
      ['disabled', s => new kms.Key(s, 'Key', { enabled: false }), /`encryptionKey` Test\/Key is disabled \(enabled: false\).*API_DisableKey\.html/],
      ['changed by an escape hatch after construction', s => {
        const key = new kms.Key(s, 'Key');
        (key.node.defaultChild as kms.CfnKey).keySpec = 'ECC_NIST_P256';
        return key;
      }, /`encryptionKey` Test\/Key has keySpec "ECC_NIST_P256"/],
    ])('%s', (_name, keyOf, message) => {
      const { app } = stackWith(s => ({ readers: [role(s, 'R')], encryptionKey: keyOf(s) }));
      expect(() => app.synth()).toThrow(message);
    });

    test('through an alias of this app, and as a RotatedDatabase\'s key', () => {
      const { app } = stackWith(s => ({ readers: [role(s, 'R')], encryptionKey: new kms.Key(s, 'Key', { enabled: false }).addAlias('alias/off') }));
      expect(() => app.synth()).toThrow(/`encryptionKey` Test\/Key is disabled/);
      const other = new App();
      const stack = new Stack(other, 'Test', { env: ENV });
      const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const key = new kms.Key(stack, 'Key', { keySpec: kms.KeySpec.RSA_4096, keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT });
      new RotatedDatabase(stack, 'Orders', { vpc, engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }), encryptionKey: key });
      expect(() => other.synth()).toThrow(/\[Test\/Orders\/Secret\] `encryptionKey` Test\/Key has keySpec "RSA_4096"/);
    });

    test('a symmetric key, and one whose spec and state are tokens, are accepted', () => {
      const { app } = stackWith(s => {
        const key = new kms.Key(s, 'Key', { keySpec: kms.KeySpec.SYMMETRIC_DEFAULT, keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT, enabled: true });
        const cfnKey = key.node.defaultChild as kms.CfnKey;
        cfnKey.keySpec = new CfnParameter(s, 'Spec').valueAsString;
        cfnKey.enabled = Fn.conditionEquals('a', 'a') as any;
        return { readers: [role(s, 'R')], encryptionKey: key };
      });
      expect(() => app.synth()).not.toThrow();
    });
  });

  test('a key from another region', () => {
    const app = new App();
    const keyStack = new Stack(app, 'Keys', { env: { account: ENV.account, region: 'us-east-1' } });
    const key = new kms.Key(keyStack, 'Key');
    const stack = new Stack(app, 'Test', { env: ENV });
    expect(() => new ProtectedSecret(stack, 'Db', { encryptionKey: key, readers: [role(stack, 'R')] }))
      .toThrow(/`encryptionKey` is in region us-east-1 but the secret is in eu-west-1/);
  });

  // An alias's keyArn is the alias's ARN, which KMS never matches in an IAM policy
  // (https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html): the grants the construct writes
  // itself must name the key the alias stands for.
  test.each<[string, (stack: Stack, key: kms.IKey) => kms.IKey]>([
    ['imported with its target key (fromAliasAttributes)', (stack, key) => kms.Alias.fromAliasAttributes(stack, 'Shared', { aliasName: 'alias/shared', aliasTargetKey: key })],
    ['of this app over a key imported by ARN', (stack, key) => new kms.Alias(stack, 'Shared', { aliasName: 'alias/shared', targetKey: key })],
  ])('a key given as an alias %s: every grant names the key\'s ARN, never the alias', (_name, aliasOf) => {
    const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    const alias = aliasOf(stack, kms.Key.fromKeyArn(stack, 'Key', keyArn));
    const reader = role(stack, 'Reader');
    const secret = new ProtectedSecret(stack, 'Db', { encryptionKey: alias, readers: [reader], writers: [role(stack, 'Writer')] });
    secret.grantRead(role(stack, 'Grantee'));
    // A role of another stack with a fixed name takes its key use in its own policy.
    const apps = new Stack(app, 'Apps', { env: ENV });
    secret.grantRead(new iam.Role(apps, 'Reports', { roleName: 'reports', assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }));
    const kmsResources = [stack, apps].flatMap(st => Object.values(Template.fromStack(st).findResources('AWS::IAM::Policy')))
      .flatMap(p => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => [].concat(st.Action).some((a: string) => a.startsWith('kms:')))
      .map((st: any) => JSON.stringify(stack.resolve(st.Resource)));
    expect(kmsResources.length).toBeGreaterThanOrEqual(4);
    for (const resource of kmsResources) {
      expect(resource).not.toContain('alias/');
      expect(resource).toContain('key/1234abcd');
    }
  });

  test('an imported protected secret whose key is an alias ARN imported as a key', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    expect(() => ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf',
      encryptionKey: kms.Key.fromKeyArn(stack, 'Shared', 'arn:aws:kms:eu-west-1:111111111111:alias/shared'),
    })).toThrow(/ProtectedSecret Test\/Imported: `encryptionKey` is the alias alias\/shared/);
  });

  test('an imported protected secret whose key is an alias imported by name', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    expect(() => ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf',
      encryptionKey: kms.Alias.fromAliasName(stack, 'Shared', 'alias/shared'),
    })).toThrow(/ProtectedSecret Test\/Imported: `encryptionKey` is the alias alias\/shared, imported by name/);
  });

  test('nobody could read: empty readers and writers with denyOthers fails at synth', () => {
    const { app } = stackWith(() => ({}));
    expect(() => app.synth()).toThrow(/`readers` and `writers` are both empty/);
  });
});

describe('ProtectedSecret as ISecret', () => {
  test('can be imported and granted through Parameter Store', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const arn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf';
    const imported = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', { secretCompleteArn: arn });
    expect(imported.secretName).toBe('prod/db');
    expect(imported.parameterStoreReference).toBe('/aws/reference/secretsmanager/prod/db');
    imported.grantReadViaParameterStore(role(stack, 'App'));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: arn })]) },
    });
  });

  // The reference names the secret without its random suffix: "/aws/reference/secretsmanager/secret_ID_in_Secrets_Manager"
  // (https://docs.aws.amazon.com/systems-manager/latest/userguide/integration-ps-secretsmanager.html); with the suffix,
  // Secrets Manager answers "ResourceNotFoundException or an AccessDeniedException"
  // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html, SecretId). An ARN known only
  // at deploy (read from a parameter or another stack) cannot be cut at synth.
  test('imported by an ARN known only at deploy: the Parameter Store reference asks for secretName instead of naming the suffix', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const arn = ssm.StringParameter.valueForStringParameter(stack, '/app/db-secret-arn');
    const imported = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', { secretCompleteArn: arn });
    expect(() => imported.parameterStoreReference).toThrow(/ProtectedSecret Test\/Imported: `secretCompleteArn` is known only at deploy.*pass `secretName`/);
    expect(() => imported.grantReadViaParameterStore(role(stack, 'App'))).toThrow(/pass `secretName`/);

    const named = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Named', { secretCompleteArn: arn, secretName: 'prod/db' });
    expect(named.parameterStoreReference).toBe('/aws/reference/secretsmanager/prod/db');
    named.grantReadViaParameterStore(role(stack, 'App2'));
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(p => p.Properties.PolicyDocument.Statement);
    expect(JSON.stringify(statements.find(st => st.Action.includes('ssm:GetParameter')).Resource)).toContain(':parameter/aws/reference/secretsmanager/prod/db"');

    expect(() => ProtectedSecret.fromProtectedSecretAttributes(stack, 'Mismatch', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf', secretName: 'prod/other',
    })).toThrow(/`secretName` is "prod\/other", but `secretCompleteArn` names the secret "prod\/db"/);
  });

  // KMS sees the call from Secrets Manager in the secret's region ("kms:ViaService ... ec2.us-west-2.amazonaws.com",
  // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service), and the
  // reference is called where the secret is, since it names the secret by name only.
  test('imported from another region: the key grant and the reference parameter name that region', () => {
    const { stack, imported } = importedFrom('us-east-1', '111111111111');
    imported.grantReadViaParameterStore(role(stack, 'App'));
    const statements = iamStatements(stack);
    const viaServices = statements.filter(st => [].concat(st.Action).some((a: string) => a.startsWith('kms:')))
      .map(st => st.Condition.StringEquals['kms:ViaService']);
    expect(viaServices.length).toBeGreaterThan(0);
    expect(new Set(viaServices)).toEqual(new Set(['secretsmanager.us-east-1.amazonaws.com']));
    const ssmArn = JSON.stringify(stack.resolve(statements.find(st => [].concat(st.Action).includes('ssm:GetParameter' as never)).Resource));
    expect(ssmArn).toContain(':ssm:us-east-1:111111111111:parameter/aws/reference/secretsmanager/prod/db');
  });

  test('a partial ARN is refused naming the construct and where to find the complete one', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    expect(() => ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db',
    })).toThrow(/^ProtectedSecret Test\/Imported: .*complete.*Pass the secret's complete ARN, with the six-character suffix/);
  });

  // Cross-account access needs the caller's identity policy (what the grant writes) and the owner's resource and key
  // policies (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples_cross.html); a
  // reference names the secret by name, which resolves in the caller's account
  // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html, SecretId).
  test('a secret of another account: grantRead writes this account\'s side (GetSecretValue and kms:Decrypt) and warns about the owner\'s; no Parameter Store reference', () => {
    const { stack, imported } = importedFrom('eu-west-1', '222222222222');
    imported.grantRead(role(stack, 'App'));
    const statements = iamStatements(stack);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:prod/db-AbCdEf' }),
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab' }),
    ]));
    Annotations.fromStack(stack).hasWarning('/Test/Imported', Match.stringLikeRegexp('secret of account 222222222222.*must also allow the role in the secret\'s resource policy and in its key\'s policy'));
    expect(() => imported.parameterStoreReference).toThrow(/ProtectedSecret Test\/Imported: the secret is in account 222222222222.*caller's own account/);
    expect(() => imported.grantReadViaParameterStore(role(stack, 'Viewer'))).toThrow(/the secret is in account 222222222222/);
  });

  test('a secret of another account imported without its key: a grant is refused, naming `encryptionKey` (review AI)', () => {
    // Cross-account reads need kms:Decrypt on the secret's customer-managed key in the reader's own policy too: without
    // the key the grant could never read anything.
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const imported = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:prod/db-AbCdEf',
    });
    const reader = role(stack, 'Reader');
    expect(() => imported.grantRead(reader)).toThrow(/Test\/Imported is a secret of account 222222222222 imported without `encryptionKey`.*pass the key .*`encryptionKey` of `fromProtectedSecretAttributes`/);
    expect(() => imported.grantWrite(reader)).toThrow(/imported without `encryptionKey`/);
  });

  test('imported from another region with a key of this app: the grant names the secret\'s region', () => {
    const app = new App();
    const owner = new Stack(app, 'Owner', { env: { account: ENV.account, region: 'us-east-1' }, crossRegionReferences: true });
    const key = new kms.Key(owner, 'Key');
    const stack = new Stack(app, 'Test', { env: ENV, crossRegionReferences: true });
    const imported = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
      secretCompleteArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-AbCdEf', encryptionKey: key,
    });
    imported.grantRead(role(stack, 'App'));
    const keyStatements = Object.values(Template.fromStack(owner).findResources('AWS::KMS::Key')).flatMap(k => k.Properties.KeyPolicy.Statement);
    expect(keyStatements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } }),
    ]));
  });

  test('an import that fails for another reason than the ARN keeps aws-cdk-lib\'s message alone', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const arn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-AbCdEf';
    ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', { secretCompleteArn: arn });
    let message = '';
    try {
      ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', { secretCompleteArn: arn });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/already a Construct with name 'ImportedSecret'/);
    expect(message).not.toMatch(/six-character suffix/);
  });

  test('deployRoles with denyOthers off is refused: there is no deny to exempt them from', () => {
    expect(() => stackWith(s => ({ denyOthers: false, readers: [role(s, 'R')], deployRoles: [role(s, 'Deployer')] })))
      .toThrow(/`deployRoles` are exempted from the deny, which `denyOthers: false` removes/);
  });

  test('works where aws-cdk-lib wants a secret: a Lambda function given its ARN and granted read through ISecret', () => {
    const { stack, secret, template } = stackWith(s => ({ readers: [role(s, 'R')] }));
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler=()=>{}'),
      environment: { SECRET_ARN: secret.secretArn },
    });
    const asISecret: secretsmanager.ISecret = secret;
    asISecret.grantRead(fn);
    const t = template();
    const roleRef = stack.resolve((fn.role!.node.defaultChild as iam.CfnRole).ref);
    const fnStatements = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter(p => JSON.stringify(p.Properties.Roles) === JSON.stringify([roleRef]))
      .flatMap(p => p.Properties.PolicyDocument.Statement);
    expect(fnStatements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Resource: stack.resolve(secret.secretArn) }),
    ]));
    // And the function's role is exempt from the deny, so the grant takes effect.
    expect(JSON.stringify(denyStatement(t).Condition)).toContain(JSON.stringify(stack.resolve(fn.role!.roleArn)));
  });
});

describe('review r1: principals the deny or KMS cannot honour', () => {
  test('a group as reader or grantee is refused: its members would be denied and a group is no valid policy principal', () => {
    expect(() => stackWith(stack => ({ readers: [new iam.Group(stack, 'Admins')] })))
      .toThrow(/Test\/Db.*`readers`.*group.*(users|role)/s);
    const { stack, secret } = stackWith(s => ({ readers: [new iam.Role(s, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') })] }));
    expect(() => secret.grantRead(new iam.Group(stack, 'Ops'))).toThrow(/Test\/Db.*`grantee`.*group/s);
  });

  test('a reader of a secret whose key is imported by ARN gets kms:Decrypt through Secrets Manager in its own IAM policy', () => {
    let reader!: iam.Role;
    const { stack } = stackWith(s => {
      reader = new iam.Role(s, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      return { readers: [reader], encryptionKey: kms.Key.fromKeyArn(s, 'Shared', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab') };
    });
    const statements = kmsStatementsFor(stack, reader);
    expect(statements).toEqual([expect.objectContaining({
      Action: 'kms:Decrypt',
      Resource: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
    })]);
  });

  test('the own account as reader, writer or grantee is refused while denyOthers is on (it would switch the deny off)', () => {
    expect(() => stackWith(() => ({ readers: [new iam.AccountRootPrincipal()] }))).toThrow(/Test\/Db.*`readers`.*account.*denyOthers: false/s);
    expect(() => stackWith(() => ({ writers: [new iam.AccountPrincipal('111111111111')] }))).toThrow(/Test\/Db.*`writers`.*account.*denyOthers: false/s);
    const { secret } = stackWith(stack => ({ readers: [new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') })] }));
    expect(() => secret.grantRead(new iam.AccountRootPrincipal())).toThrow(/Test\/Db.*`grantee`.*account/s);
    // Without the deny, the account is IAM's business as before.
    expect(() => stackWith(() => ({ denyOthers: false, readers: [new iam.AccountRootPrincipal()] }))).not.toThrow();
  });
});

test('whatever rotates it, only the deployment may change the library\'s tags of a secret; other tags stay under IAM (the IAM policy engine)', async () => {
  // The library's rotation function reads its first-rotation instructions from these tags on any secret it rotates,
  // including one given to it with addRotationSchedule or addSecret rather than by a database construct.
  const stack = new Stack(new App(), 'Tags', { env: ENV });
  const writer = role(stack, 'Writer');
  const secret = new ProtectedSecret(stack, 'Secret', { writers: [writer] });
  const vpc = new ec2.Vpc(stack, 'Vpc', { subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  secret.addRotationSchedule('Rotation', { rotationLambda: new RotationFunction(stack, 'Rotation', { vpc }).function });
  const template = new ResolvedTemplate(stack.stackName, Template.fromStack(stack).toJSON());
  const secretArn: string = template.resolve({ Ref: stack.getLogicalId(secret.secret.node.defaultChild as any) });
  const policy = template.secretPolicies().get(secretArn);
  const caller = (arn: string) => principalCaller(arn, arn, [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }]);
  const tagging = async (arn: string, keys: string[]) => decide(caller(arn), 'secretsmanager:TagResource', secretArn, policy, { 'aws:TagKeys': keys });
  const writerArn: string = template.resolve({ 'Fn::GetAtt': [stack.getLogicalId(writer.node.defaultChild as any), 'Arn'] });
  const executionRole = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`;
  expect(await tagging(writerArn, ['cdk-protected-secrets:first-rotation-superuser'])).toBe('ExplicitlyDenied');
  expect(await tagging(`arn:aws:iam::${ACCOUNT}:role/Admin`, ['team', 'cdk-protected-secrets:first-rotation-creates-user'])).toBe('ExplicitlyDenied');
  expect(await tagging(writerArn, ['team'])).toBe('Allowed');
  expect(await tagging(executionRole, ['cdk-protected-secrets:first-rotation-superuser'])).toBe('Allowed');
});
