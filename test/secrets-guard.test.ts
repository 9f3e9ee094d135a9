import { App, Aspects, SecretValue, Stack, aws_ec2 as ec2, aws_iam as iam, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { GuardSeverity, ProtectedSecret, RotatedDatabase, SecretsGuard } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** Synthesizes `build`'s stack with the guard and returns the findings as "rule path" lines. */
function findings(build: (stack: Stack) => void, guard = new SecretsGuard()): { errors: string[]; warnings: string[] } {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: ENV });
  build(stack);
  Aspects.of(app).add(guard);
  const messages = app.synth().getStackArtifact(stack.artifactId).messages;
  const lines = (level: string) => messages.filter(m => m.level === level)
    .map(m => String(m.entry.data).match(/\[SecretsGuard\.(\w+)\] (\S+):/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map(m => `${m[1]} ${m[2]}`)
    .sort();
  return { errors: lines('error'), warnings: lines('warning') };
}

function vpcOf(stack: Stack) {
  return new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

test('a deliberately bad stack: every kind of finding, on the right resource', () => {
  const result = findings(stack => {
    // AWS managed key, value in the template, no rotation, and a policy open to everyone.
    const plain = new secretsmanager.Secret(stack, 'Plain', { secretStringValue: SecretValue.unsafePlainText('hunter2') });
    plain.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }));
    // A database with a password written into the template.
    new rds.DatabaseInstance(stack, 'Db', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
      vpc: vpcOf(stack),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromPassword('admin', SecretValue.unsafePlainText('hunter2hunter2')),
    });
  });
  expect(result.errors).toEqual([
    'MasterPasswordNotFromSecretsManager Test/Db/Resource',
    'SecretPolicyAllowsEveryone Test/Plain/Policy/Resource',
    'SecretValueInTemplate Test/Plain/Resource',
    'SecretWithoutCustomerManagedKey Test/Plain/Resource',
    'SecretWithoutRotation Test/Plain/Resource',
  ]);
});

test('the library\'s own constructs pass: CMK, rotation, named principals, password from Secrets Manager', () => {
  const result = findings(stack => {
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new RotatedDatabase(stack, 'Db', {
      vpc: vpcOf(stack),
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
      secretReaders: [reader],
    });
  });
  expect(result).toEqual({ errors: [], warnings: [] });
});

test('a secret with a conditioned wildcard principal is not "everyone"', () => {
  const result = findings(stack => {
    const secret = new ProtectedSecret(stack, 'S', { denyOthers: false });
    secret.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['secretsmanager:GetSecretValue'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': 'o-example' } },
    }));
  }, new SecretsGuard({ requireRotation: false }));
  expect(result.errors).toEqual([]);
});

test('severity WARNING reports the same findings as warnings, and requireRotation: false drops the rotation check', () => {
  const result = findings(stack => {
    new secretsmanager.Secret(stack, 'Plain');
  }, new SecretsGuard({ severity: GuardSeverity.WARNING, requireRotation: false }));
  expect(result).toEqual({ errors: [], warnings: ['SecretWithoutCustomerManagedKey Test/Plain/Resource'] });
});
