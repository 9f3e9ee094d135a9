import { App, Aspects, SecretValue, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
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

/** A secret with a customer-managed key, rotated, generated: passes every secret rule. */
function compliantSecret(stack: Stack, id: string, generateSecretString?: secretsmanager.SecretStringGenerator) {
  const secret = new secretsmanager.Secret(stack, id, { encryptionKey: new kms.Key(stack, `${id}Key`), generateSecretString });
  secret.addRotationSchedule('Rotation', { rotationLambda: lambda.Function.fromFunctionArn(stack, `${id}Fn`, 'arn:aws:lambda:eu-west-1:111111111111:function:rotate') });
  return secret;
}

describe('each rule on its own', () => {
  test.each<[string, (stack: Stack) => void, string[]]>([
    ['SecretWithoutCustomerManagedKey', stack => {
      new secretsmanager.Secret(stack, 'S').addRotationSchedule('Rotation', { rotationLambda: lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:rotate') });
    }, ['SecretWithoutCustomerManagedKey Test/S/Resource']],
    ['SecretValueInTemplate', stack => {
      const s = compliantSecret(stack, 'S');
      (s.node.defaultChild as secretsmanager.CfnSecret).secretString = 'hunter2';
    }, ['SecretValueInTemplate Test/S/Resource']],
    ['SecretWithoutRotation', stack => {
      new secretsmanager.Secret(stack, 'S', { encryptionKey: new kms.Key(stack, 'K') });
    }, ['SecretWithoutRotation Test/S/Resource']],
    ['SecretPolicyAllowsEveryone', stack => {
      compliantSecret(stack, 'S').addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }));
    }, ['SecretPolicyAllowsEveryone Test/S/Policy/Resource']],
    ['MasterPasswordNotFromSecretsManager', stack => {
      new rds.CfnDBCluster(stack, 'Cluster', { engine: 'aurora-postgresql', masterUsername: 'dbadmin', masterUserPassword: 'hunter2hunter2' });
    }, ['MasterPasswordNotFromSecretsManager Test/Cluster']],
    ['LiteralValueInSecretTemplate', stack => {
      compliantSecret(stack, 'S', { secretStringTemplate: JSON.stringify({ username: 'app', apiKey: 'sk_live_abcdefghijkl' }), generateStringKey: 'password' });
    }, ['LiteralValueInSecretTemplate Test/S/Resource']],
  ])('%s', (_rule, build, expected) => {
    expect(findings(build).errors).toEqual(expected);
  });

  test('a compliant secret has no finding', () => {
    expect(findings(stack => compliantSecret(stack, 'S'))).toEqual({ errors: [], warnings: [] });
  });
});

describe('LiteralValueInSecretTemplate', () => {
  function templateFindings(template: object) {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    compliantSecret(stack, 'S', { secretStringTemplate: JSON.stringify(template), generateStringKey: 'password' });
    Aspects.of(app).add(new SecretsGuard());
    return app.synth().getStackArtifact(stack.artifactId).messages.filter(m => m.level === 'error').map(m => String(m.entry.data));
  }

  test('a user name, a host and a port are not secret', () => {
    expect(templateFindings({ username: 'app', host: 'db.example.com', port: 5432, dbname: 'orders' })).toEqual([]);
  });

  test('names that only start with a credential word describe something else', () => {
    expect(templateFindings({ username: 'app', tokenUrl: 'https://auth.example.com/token', passwordPolicy: 'strict', publicKey: 'ssh-ed25519 AAAA' })).toEqual([]);
  });

  test('names every credential field, never its value', () => {
    const [message, ...rest] = templateFindings({ username: 'app', client_secret: 'hunter2', nested: { token: 'xyz' }, url: 'postgres://app:hunter2@db:5432/x' });
    expect(rest).toEqual([]);
    expect(message).toMatch(/\[SecretsGuard\.LiteralValueInSecretTemplate\] Test\/S\/Resource: .*"client_secret", "nested\.token", "url"/);
    expect(message).not.toMatch(/hunter2|xyz/);
  });

  test('a value that looks like a credential is reported whatever its field is called', () => {
    expect(templateFindings({ username: 'app', note: 'AKIAIOSFODNN7EXAMPLE' })).toEqual([expect.stringMatching(/"note"/)]);
  });

  test('an ARN under a key-like name is a reference, not a credential', () => {
    expect(templateFindings({ username: 'app', kmsKey: 'arn:aws:kms:eu-west-1:111111111111:key/1234' })).toEqual([]);
  });
});

describe('suppression', () => {
  test('a suppression with a reason silences one rule on that resource, and leaves the reason in the output', () => {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    const issued = new secretsmanager.Secret(stack, 'Issued', { encryptionKey: new kms.Key(stack, 'K') });
    const other = new secretsmanager.Secret(stack, 'Other', { encryptionKey: new kms.Key(stack, 'K2') });
    SecretsGuard.suppress(issued, 'SecretWithoutRotation', 'Issued by the payment provider; only they can change it.');
    Aspects.of(app).add(new SecretsGuard());
    const messages = app.synth().getStackArtifact(stack.artifactId).messages;
    expect(messages.filter(m => m.level === 'error').map(m => m.id)).toEqual(['/Test/Other/Resource']);
    expect(messages.filter(m => m.level === 'info').map(m => String(m.entry.data)))
      .toEqual(['[SecretsGuard.SecretWithoutRotation] Test/Issued/Resource: suppressed: Issued by the payment provider; only they can change it.']);
    expect(other).toBeDefined();
  });

  test('a suppression on a stack covers the resources in it, for that rule only', () => {
    const result = findings(stack => {
      new secretsmanager.Secret(stack, 'S');
      SecretsGuard.suppress(stack, 'SecretsGuard.SecretWithoutRotation', 'Test stack: secrets live for one run only.');
    });
    expect(result.errors).toEqual(['SecretWithoutCustomerManagedKey Test/S/Resource']);
  });

  test.each(['', '   ', 'because'])('a suppression without a real reason (%p) is refused', reason => {
    const stack = new Stack(new App(), 'Test');
    const secret = new secretsmanager.Secret(stack, 'S');
    expect(() => SecretsGuard.suppress(secret, 'SecretWithoutRotation', reason))
      .toThrow(/SecretsGuard.suppress on Test\/S: suppressing SecretWithoutRotation needs a reason of at least 10 characters/);
  });

  test('a suppression of a rule that does not exist is refused, listing the rules', () => {
    const stack = new Stack(new App(), 'Test');
    expect(() => SecretsGuard.suppress(stack, 'SecretWithoutRotaion', 'a typo in the rule id'))
      .toThrow(/there is no rule "SecretWithoutRotaion"; the rules are .*SecretWithoutRotation/);
  });
});
