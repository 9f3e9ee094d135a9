import { App, Stack, aws_iam as iam, aws_kms as kms, aws_lambda as lambda } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IProtectedSecret, ProtectedSecret } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** An owned and an imported protected secret in one stack, both encrypted with the same key of another app. */
function ownedAndImported() {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const key = kms.Key.fromKeyArn(stack, 'SharedKey', KEY_ARN);
  const owned = new ProtectedSecret(stack, 'Owned', { secretName: 'prod/owned', encryptionKey: key, denyOthers: false });
  const imported = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
    secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/imported-AbCdEf',
    encryptionKey: key,
  });
  return { stack, owned, imported };
}

function role(stack: Stack, id: string): iam.Role {
  return new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

/** The statements of the role's IAM policies. */
function statementsOf(stack: Stack, grantee: iam.Role): any[] {
  const roleRef = JSON.stringify(stack.resolve((grantee.node.defaultChild as iam.CfnRole).ref));
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .filter(p => JSON.stringify(p.Properties.Roles).includes(roleRef))
    .flatMap(p => p.Properties.PolicyDocument.Statement);
}

describe('an owned and an imported protected secret behave alike', () => {
  test('a rotation role granted read and write gets use of the key of another app, through Secrets Manager only, for both', () => {
    // The worry: the rotation function of an owned secret whose key was imported fails its first PutSecretValue,
    // because aws-cdk-lib grants key use through the key policy, which it cannot change for an imported key.
    const { stack, owned, imported } = ownedAndImported();
    const rotationOf = (secret: IProtectedSecret, id: string) => {
      const rotation = role(stack, id);
      secret.grantRead(rotation);
      secret.grantWrite(rotation);
      return rotation;
    };
    const ownedRotation = rotationOf(owned, 'OwnedRotation');
    const importedRotation = rotationOf(imported, 'ImportedRotation');
    const kmsStatementsOf = (rotation: iam.Role) =>
      statementsOf(stack, rotation).filter(s => [].concat(s.Action).some((a: string) => a.startsWith('kms:')));
    const ownedKeyUse = kmsStatementsOf(ownedRotation);
    const importedKeyUse = kmsStatementsOf(importedRotation);
    expect(ownedKeyUse).toEqual(importedKeyUse);
    expect(ownedKeyUse.flatMap(s => [].concat(s.Resource))).toEqual([KEY_ARN, KEY_ARN]);
    for (const s of ownedKeyUse) expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } });
  });

  test('write grants leave out UpdateSecret for both', () => {
    const { stack, owned, imported } = ownedAndImported();
    const writers = ([[owned, 'OwnedWriter'], [imported, 'ImportedWriter']] as const).map(([secret, id]) => {
      const writer = role(stack, id);
      secret.grantWrite(writer);
      return writer;
    });
    for (const writer of writers) {
      const actions = statementsOf(stack, writer).flatMap(s => [].concat(s.Action));
      expect(actions).toEqual(expect.arrayContaining(['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']));
      expect(actions).not.toContain('secretsmanager:UpdateSecret');
    }
  });

  test('both are read through their Parameter Store reference, with ssm:GetParameter on exactly that name', () => {
    const { stack, owned, imported } = ownedAndImported();
    expect(owned.parameterStoreReference).toBe('/aws/reference/secretsmanager/prod/owned');
    // The name Secrets Manager knows, without the six characters it appends to the ARN.
    expect(imported.parameterStoreReference).toBe('/aws/reference/secretsmanager/prod/imported');
    const apps = ([[owned, 'OwnedApp'], [imported, 'ImportedApp']] as const).map(([secret, id]) => {
      const app = role(stack, id);
      secret.grantReadViaParameterStore(app);
      return [secret, app] as const;
    });
    for (const [secret, app] of apps) {
      const ssm = statementsOf(stack, app).find(s => [].concat(s.Action).includes('ssm:GetParameter' as never));
      expect(JSON.stringify(ssm.Resource)).toContain(`:parameter${secret.parameterStoreReference}`);
    }
  });

  test('both take a rotation schedule on their own secret', () => {
    const { stack, owned, imported } = ownedAndImported();
    // Imported with its role: the role must be granted the secret (and exempted from an owned secret's deny).
    const fn = lambda.Function.fromFunctionAttributes(stack, 'Rotator', {
      functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:rotator',
      role: iam.Role.fromRoleArn(stack, 'RotatorRole', 'arn:aws:iam::111111111111:role/rotator'),
    });
    owned.addRotationSchedule('OwnedRotation', { rotationLambda: fn });
    imported.addRotationSchedule('ImportedRotation', { rotationLambda: fn });
    const schedules = Object.values(Template.fromStack(stack).findResources('AWS::SecretsManager::RotationSchedule'))
      .map(r => stack.resolve(r.Properties.SecretId));
    expect(schedules).toEqual(expect.arrayContaining([
      stack.resolve(owned.secretArn),
      'arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/imported-AbCdEf',
    ]));
    // Each invoke permission names its own secret and account, for both kinds.
    const sources = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Permission'))
      .map(r => [stack.resolve(r.Properties.SourceArn), r.Properties.SourceAccount]);
    expect(sources).toEqual(expect.arrayContaining([
      [stack.resolve(owned.secretArn), '111111111111'],
      ['arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/imported-AbCdEf', '111111111111'],
    ]));
  });

  test('a grant on the owned secret also lifts its deny for the grantee; an imported secret has no deny of this app', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const owned = new ProtectedSecret(stack, 'Owned', {});
    const app = role(stack, 'App');
    owned.grantRead(app);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::SecretsManager::ResourcePolicy'))[0];
    const deny = policy.Properties.ResourcePolicy.Statement.find((s: any) => s.Sid === 'DenyValueAccessToEveryoneElse');
    expect(deny.Condition.StringNotEquals['aws:PrincipalArn']).toContainEqual(stack.resolve(app.roleArn));
  });

  test('isProtectedSecret recognizes an owned protected secret, and nothing else, without instanceof', () => {
    const { stack, owned, imported } = ownedAndImported();
    expect(ProtectedSecret.isProtectedSecret(owned)).toBe(true);
    expect(ProtectedSecret.isProtectedSecret(imported)).toBe(false);
    expect(ProtectedSecret.isProtectedSecret(owned.secret)).toBe(false);
    expect(ProtectedSecret.isProtectedSecret(stack)).toBe(false);
    expect(ProtectedSecret.isProtectedSecret(undefined)).toBe(false);
    // A copy of the library (another instance of the class) marks its secrets the same way.
    expect(ProtectedSecret.isProtectedSecret({ [Symbol.for('cdk-protected-secrets.ProtectedSecret')]: true })).toBe(true);
  });
});
