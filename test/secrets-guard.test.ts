import { App, Aspects, CfnCondition, CfnMapping, CfnParameter, CfnResource, Fn, SecretValue, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_lambda as lambda, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { GuardSeverity, ProtectedSecret, RotatedDatabase, SecretsGuard } from '../src';
import { renderResource } from '../src/private/guard-rules/rule';

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

test('a severity that is not a GuardSeverity (from JavaScript) is refused rather than read as a warning', () => {
  expect(() => new SecretsGuard({ severity: 'errror' as GuardSeverity })).toThrow(/SecretsGuard: `severity` must be one of "error", "warning" \(GuardSeverity\), got "errror"/);
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

  // Review AE: the AWS managed key named through Fn::Sub (common in templates brought in with CfnInclude), and a
  // schedule naming its secret by Fn::GetAtt Id ("The ARN of the secret", as Ref is).
  test('the AWS managed key named through Fn::Sub is found; a schedule that names its secret by GetAtt Id rotates it', () => {
    const rotate = 'arn:aws:lambda:eu-west-1:111111111111:function:rotate';
    expect(findings(stack => {
      const sub = new secretsmanager.CfnSecret(stack, 'Sub', {
        generateSecretString: {}, kmsKeyId: Fn.sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/secretsmanager'),
      });
      new secretsmanager.CfnRotationSchedule(stack, 'SubRotation', { secretId: sub.ref, rotationLambdaArn: rotate, rotationRules: { automaticallyAfterDays: 30 } });
      const byId = new secretsmanager.CfnSecret(stack, 'ById', { generateSecretString: {}, kmsKeyId: new kms.Key(stack, 'K').keyArn });
      new secretsmanager.CfnRotationSchedule(stack, 'ByIdRotation', { secretId: byId.attrId, rotationLambdaArn: rotate, rotationRules: { automaticallyAfterDays: 30 } });
    }).errors).toEqual(['SecretWithoutCustomerManagedKey Test/Sub']);
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

  test('a literal credential beside a value CloudFormation fills in (a Join) is still reported', () => {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    const host = new rds.CfnDBCluster(stack, 'Cluster', { engine: 'aurora-postgresql', manageMasterUserPassword: true, masterUsername: 'dbadmin' }).attrEndpointAddress;
    compliantSecret(stack, 'S', { secretStringTemplate: stack.toJsonString({ username: 'app', host, apiKey: 'sk_live_abcdefghijkl' }), generateStringKey: 'password' });
    Aspects.of(app).add(new SecretsGuard());
    const errors = app.synth().getStackArtifact(stack.artifactId).messages.filter(m => m.level === 'error').map(m => String(m.entry.data));
    expect(errors).toEqual([expect.stringMatching(/\[SecretsGuard\.LiteralValueInSecretTemplate\] Test\/S\/Resource: .*"apiKey"/)]);
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

describe('SecretWithoutRotation: a secret rotated through its attachment to a database', () => {
  function rdsInstance(stack: Stack) {
    return new rds.DatabaseInstance(stack, 'Db', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
      vpc: vpcOf(stack),
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      credentials: rds.Credentials.fromGeneratedSecret('admin', { encryptionKey: new kms.Key(stack, 'Key') }),
    });
  }

  test('an RDS instance rotated with addRotationSingleUser (the schedule names the attachment, not the secret) is rotated', () => {
    expect(findings(stack => rdsInstance(stack).addRotationSingleUser())).toEqual({ errors: [], warnings: [] });
  });

  test('a schedule added by hand to the database\'s secret (the attachment) is followed to the secret too', () => {
    expect(findings(stack => {
      rdsInstance(stack).secret!.addRotationSchedule('Rotation', {
        rotationLambda: lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:rotate'),
      });
    })).toEqual({ errors: [], warnings: [] });
  });

  test('an attached secret with no schedule is still reported', () => {
    expect(findings(stack => rdsInstance(stack)).errors).toEqual(['SecretWithoutRotation Test/Db/Secret/Resource']);
  });

  test('a schedule that names the secret by its chosen name rotates it; by another name it does not', () => {
    // RotationSchedule's SecretId takes "the ARN or name of the secret" (AWS::SecretsManager::RotationSchedule).
    const named = (scheduledName: string) => findings(stack => {
      const secret = new secretsmanager.Secret(stack, 'Named', { secretName: 'prod/payments', encryptionKey: new kms.Key(stack, 'K') });
      void secret;
      new secretsmanager.CfnRotationSchedule(stack, 'Schedule', {
        secretId: scheduledName,
        rotationLambdaArn: 'arn:aws:lambda:eu-west-1:111111111111:function:rotate',
        rotationRules: { scheduleExpression: 'rate(30 days)' },
      });
    }).errors;
    expect(named('prod/payments')).toEqual([]);
    expect(named('prod/other')).toEqual(['SecretWithoutRotation Test/Named/Resource']);
  });

  test('a schedule on another database\'s attachment does not count for this secret', () => {
    expect(findings(stack => {
      const rotated = rdsInstance(stack);
      rotated.addRotationSingleUser();
      new rds.DatabaseInstance(stack, 'Other', {
        engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
        vpc: rotated.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        credentials: rds.Credentials.fromGeneratedSecret('admin', { encryptionKey: new kms.Key(stack, 'OtherKey') }),
      });
    }).errors).toEqual(['SecretWithoutRotation Test/Other/Secret/Resource']);
  });
});

describe('SecretWithoutCustomerManagedKey: replicas and the AWS managed key named explicitly', () => {
  function keyFindings(build: (stack: Stack) => secretsmanager.Secret): string[] {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    build(stack);
    Aspects.of(app).add(new SecretsGuard({ requireRotation: false }));
    return app.synth().getStackArtifact(stack.artifactId).messages.filter(m => m.level === 'error').map(m => String(m.entry.data));
  }

  test('a replica without a key of its own is encrypted with aws/secretsmanager in that region, and is reported by region', () => {
    const messages = keyFindings(stack => new secretsmanager.Secret(stack, 'S', {
      encryptionKey: new kms.Key(stack, 'K'),
      replicaRegions: [
        { region: 'us-east-1' },
        { region: 'eu-central-1', encryptionKey: kms.Key.fromKeyArn(stack, 'Replica', 'arn:aws:kms:eu-central-1:111111111111:key/1234') },
        { region: 'ap-south-1' },
      ],
    }));
    expect(messages).toEqual([expect.stringMatching(/\[SecretsGuard\.SecretWithoutCustomerManagedKey\] Test\/S\/Resource: .*replica/)]);
    expect(messages[0]).toMatch(/us-east-1/);
    expect(messages[0]).toMatch(/ap-south-1/);
    expect(messages[0]).not.toMatch(/eu-central-1/);
    expect(messages[0]).not.toMatch(/the secret itself/);
  });

  test('every replica with a customer-managed key passes', () => {
    expect(keyFindings(stack => new secretsmanager.Secret(stack, 'S', {
      encryptionKey: new kms.Key(stack, 'K'),
      replicaRegions: [{ region: 'us-east-1', encryptionKey: kms.Key.fromKeyArn(stack, 'Replica', 'arn:aws:kms:us-east-1:111111111111:key/1234') }],
    }))).toEqual([]);
  });

  test.each<[string, (stack: Stack) => kms.IKey]>([
    ['the alias imported by name (an alias ARN in the template)', stack => kms.Alias.fromAliasName(stack, 'A', 'alias/aws/secretsmanager')],
    ['the alias ARN', stack => kms.Key.fromKeyArn(stack, 'A', 'arn:aws:kms:eu-west-1:111111111111:alias/aws/secretsmanager')],
  ])('naming aws/secretsmanager explicitly is the AWS managed key too: %s', (_how, key) => {
    expect(keyFindings(stack => new secretsmanager.Secret(stack, 'S', { encryptionKey: key(stack) })))
      .toEqual([expect.stringMatching(/\[SecretsGuard\.SecretWithoutCustomerManagedKey\] Test\/S\/Resource: .*aws\/secretsmanager/)]);
  });

  test('naming aws/secretsmanager by its alias name in the template is the AWS managed key too', () => {
    expect(keyFindings(stack => {
      const secret = new secretsmanager.Secret(stack, 'S', { encryptionKey: new kms.Key(stack, 'K') });
      (secret.node.defaultChild as secretsmanager.CfnSecret).kmsKeyId = 'alias/aws/secretsmanager';
      return secret;
    })).toEqual([expect.stringMatching(/\[SecretsGuard\.SecretWithoutCustomerManagedKey\] Test\/S\/Resource: .*aws\/secretsmanager/)]);
  });

  test('an alias of the app\'s own that merely ends in "secretsmanager" is not the AWS managed key', () => {
    expect(keyFindings(stack => new secretsmanager.Secret(stack, 'S', {
      encryptionKey: kms.Key.fromKeyArn(stack, 'A', 'arn:aws:kms:eu-west-1:111111111111:alias/team/aws/secretsmanager'),
    }))).toEqual([]);
  });
});

describe('MasterPasswordNotFromSecretsManager: databases that inherit their password', () => {
  test.each<[string, (stack: Stack) => void]>([
    ['a secondary cluster of a global database', stack => {
      new rds.CfnDBCluster(stack, 'Db', { engine: 'aurora-postgresql', globalClusterIdentifier: 'orders-global' });
    }],
    ['an Aurora cross-Region read replica cluster', stack => {
      new rds.CfnDBCluster(stack, 'Db', { engine: 'aurora-mysql', replicationSourceIdentifier: 'arn:aws:rds:us-east-1:111111111111:cluster:orders' });
    }],
    ['a cluster restored to a point in time by resource id', stack => {
      new rds.CfnDBCluster(stack, 'Db', { engine: 'aurora-postgresql', sourceDbClusterResourceId: 'cluster-ABCDEFGHIJKL', useLatestRestorableTime: true });
    }],
    ['an instance restored from a Multi-AZ cluster snapshot', stack => {
      new rds.CfnDBInstance(stack, 'Db', { engine: 'postgres', dbInstanceClass: 'db.m5.large', dbClusterSnapshotIdentifier: 'orders-snap' });
    }],
    ['a read replica instance of a Multi-AZ cluster', stack => {
      new rds.CfnDBInstance(stack, 'Db', { engine: 'postgres', dbInstanceClass: 'db.m5.large', sourceDbClusterIdentifier: 'orders' });
    }],
    ['an instance restored from replicated automated backups', stack => {
      new rds.CfnDBInstance(stack, 'Db', {
        engine: 'postgres', dbInstanceClass: 'db.m5.large', sourceDbInstanceAutomatedBackupsArn: 'arn:aws:rds:us-east-1:111111111111:auto-backup:ab-EXAMPLE', useLatestRestorableTime: true,
      });
    }],
    ['an instance restored to a point in time by resource id', stack => {
      new rds.CfnDBInstance(stack, 'Db', { engine: 'postgres', dbInstanceClass: 'db.m5.large', sourceDbiResourceId: 'db-ABCDEFGHIJKL', useLatestRestorableTime: true });
    }],
  ])('%s without a password passes', (_case, build) => {
    expect(findings(build).errors).toEqual([]);
  });

  test.each<[string, (stack: Stack) => void]>([
    ['a secondary cluster of a global database', stack => {
      new rds.CfnDBCluster(stack, 'Db', { engine: 'aurora-postgresql', globalClusterIdentifier: 'orders-global', masterUserPassword: 'hunter2hunter2' });
    }],
    ['a read replica instance', stack => {
      new rds.CfnDBInstance(stack, 'Db', { engine: 'postgres', dbInstanceClass: 'db.m5.large', sourceDbInstanceIdentifier: 'orders', masterUserPassword: 'hunter2hunter2' });
    }],
    ['an instance restored from a snapshot', stack => {
      new rds.CfnDBInstance(stack, 'Db', { engine: 'postgres', dbInstanceClass: 'db.m5.large', dbSnapshotIdentifier: 'orders-snap', masterUserPassword: 'hunter2hunter2' });
    }],
    ['an Aurora instance of a cluster', stack => {
      new rds.CfnDBInstance(stack, 'Db', { engine: 'aurora-postgresql', dbInstanceClass: 'db.r6g.large', dbClusterIdentifier: 'orders', masterUserPassword: 'hunter2hunter2' });
    }],
  ])('%s with a literal password in the template is still reported', (_case, build) => {
    expect(findings(build).errors).toEqual(['MasterPasswordNotFromSecretsManager Test/Db']);
  });
});

describe('SecretPolicyAllowsEveryone: only conditions on who calls narrow "*"', () => {
  function policyFindings(conditions: Record<string, any>): string[] {
    return findings(stack => {
      compliantSecret(stack, 'S').addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()], actions: ['secretsmanager:GetSecretValue'], resources: ['*'], conditions,
      }));
    }).errors;
  }
  const EVERYONE = ['SecretPolicyAllowsEveryone Test/S/Policy/Resource'];

  test.each<[string, Record<string, any>]>([
    ['TLS only', { Bool: { 'aws:SecureTransport': 'true' } }],
    ['a source IP range that covers the internet', { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }],
    ['any account but one', { StringNotEquals: { 'aws:PrincipalAccount': '222222222222' } }],
    ['the account, but only if the request carries it', { StringEqualsIfExists: { 'aws:PrincipalAccount': '111111111111' } }],
    ['every value of a single-valued key (true when the key is absent)', { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': 'o-example' } }],
    ['a wildcard account', { StringLike: { 'aws:PrincipalAccount': '*' } }],
    ['a role name in any account', { ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::111111111111:role/app', 'arn:aws:iam::*:role/app'] } }],
    // A user's name is unique in its account only: the same name in any account matches.
    ['a user name (in any account)', { StringEquals: { 'aws:username': 'deploy' } }],
  ])('AnyPrincipal with %s is still everyone', (_case, conditions) => {
    expect(policyFindings(conditions)).toEqual(EVERYONE);
  });

  test.each<[string, Record<string, any>]>([
    ['the caller\'s account', { StringEquals: { 'aws:PrincipalAccount': '111111111111' } }],
    ['the caller\'s account, key spelt in another case', { StringEquals: { 'AWS:principalaccount': '111111111111' } }],
    ['TLS and the caller\'s organization', { Bool: { 'aws:SecureTransport': 'true' }, StringEquals: { 'aws:PrincipalOrgID': 'o-example' } }],
    ['role ARNs of the account', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/app-*' } }],
    ['a VPC endpoint', { StringEquals: { 'aws:SourceVpce': 'vpce-1234' } }],
    ['an organizational unit and those under it (a path wildcard)', { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-example/r-ab12/ou-ab12-11111111/*' } }],
  ])('AnyPrincipal narrowed to %s is not everyone', (_case, conditions) => {
    expect(policyFindings(conditions)).toEqual([]);
  });
});

describe('SecretValueInTemplate: only literal values are in the template', () => {
  function valueFindings(secretString: (stack: Stack) => any): string[] {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    const secret = compliantSecret(stack, 'S');
    (secret.node.defaultChild as secretsmanager.CfnSecret).secretString = secretString(stack);
    (secret.node.defaultChild as secretsmanager.CfnSecret).generateSecretString = undefined;
    Aspects.of(app).add(new SecretsGuard());
    return app.synth().getStackArtifact(stack.artifactId).messages.filter(m => m.level === 'error').map(m => String(m.entry.data));
  }
  const accessKey = (stack: Stack) => new iam.AccessKey(stack, 'AccessKey', { user: new iam.User(stack, 'User') });

  test('an access key\'s secret (Fn::GetAtt) is filled in by CloudFormation at deploy time, not written into the template', () => {
    const app = new App();
    const stack = new Stack(app, 'Test', { env: ENV });
    const key = accessKey(stack);
    const secret = new secretsmanager.Secret(stack, 'S', { encryptionKey: new kms.Key(stack, 'K'), secretStringValue: key.secretAccessKey });
    secret.addRotationSchedule('Rotation', { rotationLambda: lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:rotate') });
    Aspects.of(app).add(new SecretsGuard());
    expect(app.synth().getStackArtifact(stack.artifactId).messages.filter(m => m.level === 'error').map(m => String(m.entry.data))).toEqual([]);
  });

  test('a JSON value whose credential comes from CloudFormation and whose user name is a literal passes', () => {
    expect(valueFindings(stack => stack.toJsonString({ username: 'app', password: accessKey(stack).secretAccessKey.unsafeUnwrap() }))).toEqual([]);
  });

  test('a dynamic reference is resolved by CloudFormation, not written into the template', () => {
    expect(valueFindings(() => '{{resolve:ssm-secure:/app/password:1}}')).toEqual([]);
  });

  test('a plain string is the value itself, and is reported without showing it', () => {
    const messages = valueFindings(() => 'hunter2');
    expect(messages).toEqual([expect.stringMatching(/\[SecretsGuard\.SecretValueInTemplate\] Test\/S\/Resource: .*SecretString/)]);
    expect(messages[0]).not.toMatch(/hunter2/);
  });

  test('a literal credential joined with values from CloudFormation is reported by field', () => {
    const messages = valueFindings(stack => stack.toJsonString({ clientId: accessKey(stack).accessKeyId, clientSecret: 'hunter2hunter2' }));
    expect(messages).toEqual([expect.stringMatching(/\[SecretsGuard\.SecretValueInTemplate\] Test\/S\/Resource: .*"clientSecret"/)]);
    expect(messages[0]).not.toMatch(/hunter2/);
  });

  test('Fn::Sub: a literal around a substitution is reported, a substitution alone is not', () => {
    expect(valueFindings(() => ({ 'Fn::Sub': 'hunter2-${AWS::Region}' })))
      .toEqual([expect.stringMatching(/\[SecretsGuard\.SecretValueInTemplate\] Test\/S\/Resource:/)]);
    expect(valueFindings(() => ({ 'Fn::Sub': '${AccessKey.SecretAccessKey}' }))).toEqual([]);
  });

  test('literal text joined to a value from CloudFormation is reported', () => {
    expect(valueFindings(stack => ({ 'Fn::Join': ['', ['prefix-hunter2-', accessKey(stack).secretAccessKey.unsafeUnwrap()]] })))
      .toEqual([expect.stringMatching(/\[SecretsGuard\.SecretValueInTemplate\] Test\/S\/Resource:/)]);
  });
});

/**
 * The properties as CloudFormation receives them: escape hatches, raw resources, and literals inside other intrinsic
 * functions (review BQ). Findings are asserted as "rule path" for the requireRotation: false guard.
 */
describe('SecretsGuard reads the resource as deployed', () => {
  const errorsOf = (build: (stack: Stack) => void) => findings(build, new SecretsGuard({ requireRotation: false })).errors;
  /** A secret with a customer-managed key and no value yet: each test gives it the value it is about. */
  const bareSecret = (stack: Stack) => {
    const cfn = compliantSecret(stack, 'S').node.defaultChild as secretsmanager.CfnSecret;
    cfn.generateSecretString = undefined;
    return cfn;
  };
  const inUsEast1 = (stack: Stack) => new CfnCondition(stack, 'C', { expression: Fn.conditionEquals(stack.region, 'us-east-1') });
  const database = (stack: Stack, props: Partial<rds.CfnDBInstanceProps>) => new rds.CfnDBInstance(stack, 'Db', {
    engine: 'postgres', dbInstanceClass: 'db.t3.micro', allocatedStorage: '20', masterUsername: 'app', ...props,
  });
  const SM_PASSWORD = '{{resolve:secretsmanager:db:SecretString:password}}';

  test('the rendered properties include escape hatches (fails if aws-cdk-lib\'s internal _toCloudFormation changes)', () => {
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const cfn = bareSecret(stack);
    cfn.addPropertyOverride('SecretString', 'overridden');
    cfn.addPropertyDeletionOverride('KmsKeyId');
    const { type, properties } = renderResource(cfn);
    expect(type).toBe('AWS::SecretsManager::Secret');
    expect(properties.SecretString).toBe('overridden');
    expect(properties).not.toHaveProperty('KmsKeyId');
  });

  describe('SecretValueInTemplate', () => {
    const VALUE = ['SecretValueInTemplate Test/S/Resource'];
    test.each<[string, (stack: Stack) => void]>([
      ['overridden in (addPropertyOverride)', s => bareSecret(s).addPropertyOverride('SecretString', 'hunter2')],
      ['on one branch of an Fn::If', s => { inUsEast1(s); bareSecret(s).secretString = Fn.conditionIf('C', 'hunter2', 'hunter3').toString(); }],
      ['in the variable map of an Fn::Sub', s => { bareSecret(s).secretString = { 'Fn::Sub': ['${Pw}', { Pw: 'hunter2' }] } as any; }],
      ['the default of a NoEcho parameter', s => { bareSecret(s).secretString = new CfnParameter(s, 'Pw', { noEcho: true, default: 'hunter2' }).valueAsString; }],
      ['base64-encoded (Fn::Base64)', s => { bareSecret(s).secretString = Fn.base64('hunter2'); }],
      ['selected from a literal list (Fn::Select)', s => { bareSecret(s).secretString = Fn.select(1, ['a', 'hunter2']); }],
      ['in a mapping (Fn::FindInMap with a key known at deploy time)', s => {
        new CfnMapping(s, 'Pw', { mapping: { 'eu-west-1': { value: 'hunter2' }, 'us-east-1': { value: 'hunter3' } } });
        bareSecret(s).secretString = Fn.findInMap('Pw', Fn.ref('AWS::Region'), 'value');
      }],
    ])('a literal value %s is in the template', (_case, build) => {
      expect(errorsOf(build)).toEqual(VALUE);
    });

    // Each of these passed with a part of the template unread (review BT's mutations).
    test('a literal on the true branch of an Fn::If only (the other a NoEcho parameter) is in the template', () => {
      expect(errorsOf(s => {
        inUsEast1(s);
        bareSecret(s).secretString = Fn.conditionIf('C', 'hunter2', new CfnParameter(s, 'Pw', { noEcho: true }).valueAsString).toString();
      })).toEqual(VALUE);
    });
    test('a literal on a branch of an Fn::If inside an Fn::Join is in the template', () => {
      expect(errorsOf(s => {
        inUsEast1(s);
        const branch = Fn.conditionIf('C', 'hunter2', new CfnParameter(s, 'Pw', { noEcho: true }).valueAsString).toString();
        bareSecret(s).secretString = Fn.join('', [new CfnParameter(s, 'Pre', { noEcho: true }).valueAsString, branch]);
      })).toEqual(VALUE);
    });
    test('every item of an Fn::Select whose index is known only at deploy is a possible value', () => {
      expect(errorsOf(s => {
        bareSecret(s).secretString = Fn.select(new CfnParameter(s, 'I', { type: 'Number' }).valueAsNumber as any, ['hunter2', 'hunter3']);
      })).toEqual(VALUE);
    });
    test('a raw CfnResource of type AWS::SecretsManager::Secret is checked like the L1 class', () => {
      expect(errorsOf(s => new CfnResource(s, 'Raw', {
        type: 'AWS::SecretsManager::Secret',
        properties: {
          KmsKeyId: new kms.Key(s, 'K').keyArn, SecretString: 'hunter2',
        },
      }))).toEqual(['SecretValueInTemplate Test/Raw']);
    });

    test('values CloudFormation fills in stay unreported: a parameter without a default, a value on every branch from a resource', () => {
      expect(errorsOf(s => {
        inUsEast1(s);
        const key = new iam.AccessKey(s, 'Key', { user: new iam.User(s, 'U') });
        bareSecret(s).secretString = Fn.conditionIf('C', new CfnParameter(s, 'Pw', { noEcho: true }).valueAsString, key.secretAccessKey.unsafeUnwrap()).toString();
      })).toEqual([]);
    });
  });

  describe('SecretWithoutCustomerManagedKey', () => {
    const KEY = ['SecretWithoutCustomerManagedKey Test/S/Resource'];
    test('a customer-managed key overridden in passes', () => {
      expect(errorsOf(s => (new secretsmanager.Secret(s, 'S').node.defaultChild as secretsmanager.CfnSecret)
        .addPropertyOverride('KmsKeyId', new kms.Key(s, 'K').keyArn))).toEqual([]);
    });
    test('the key removed by addPropertyDeletionOverride is the AWS managed key', () => {
      expect(errorsOf(s => bareSecret(s).addPropertyDeletionOverride('KmsKeyId'))).toEqual(KEY);
    });
    test('Fn::If [cond, key, AWS::NoValue] uses the AWS managed key when the condition is false', () => {
      expect(errorsOf(s => {
        inUsEast1(s);
        bareSecret(s).kmsKeyId = Fn.conditionIf('C', new kms.Key(s, 'K2').keyArn, Fn.ref('AWS::NoValue')).toString();
      })).toEqual(KEY);
    });
    test('Fn::If between two customer-managed keys passes', () => {
      expect(errorsOf(s => {
        inUsEast1(s);
        bareSecret(s).kmsKeyId = Fn.conditionIf('C', new kms.Key(s, 'K2').keyArn, new kms.Key(s, 'K3').keyArn).toString();
      })).toEqual([]);
    });
  });

  describe('SecretPolicyAllowsEveryone', () => {
    const policy = (s: Stack, condition: any) => new secretsmanager.CfnResourcePolicy(s, 'P', {
      secretId: bareSecret(s).ref,
      resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: condition }] },
    });
    test.each<[string, Record<string, any>]>([
      ['every organization', { StringLike: { 'aws:PrincipalOrgID': 'o-*' } }],
      ['every account ending in 1', { StringLike: { 'aws:PrincipalAccount': '*1' } }],
      ['every calling service\'s account starting with 1', { StringLike: { 'aws:SourceAccount': '1*' } }],
    ])('a partial wildcard on a sensitive key names no one: %s', (_case, condition) => {
      expect(errorsOf(s => policy(s, condition))).toEqual(['SecretPolicyAllowsEveryone Test/P']);
    });
    test('the narrowing condition removed by an override', () => {
      expect(errorsOf(s => policy(s, { StringEquals: { 'aws:PrincipalAccount': '111111111111' } })
        .addPropertyOverride('ResourcePolicy.Statement.0.Condition', undefined))).toEqual(['SecretPolicyAllowsEveryone Test/P']);
    });
  });

  describe('MasterPasswordNotFromSecretsManager', () => {
    const PASSWORD = ['MasterPasswordNotFromSecretsManager Test/Db'];
    test('an Fn::If whose other branch is a literal', () => {
      expect(errorsOf(s => { inUsEast1(s); database(s, { masterUserPassword: Fn.conditionIf('C', SM_PASSWORD, 'hunter2hunter2').toString() }); }))
        .toEqual(PASSWORD);
    });
    test('a literal overridden in over a dynamic reference', () => {
      expect(errorsOf(s => database(s, { masterUserPassword: SM_PASSWORD }).addPropertyOverride('MasterUserPassword', 'hunter2hunter2'))).toEqual(PASSWORD);
    });
    test('a dynamic reference with literal text around it', () => {
      expect(errorsOf(s => database(s, { masterUserPassword: `pre-${SM_PASSWORD}` }))).toEqual(PASSWORD);
    });
    test('ManageMasterUserPassword overridden in passes', () => {
      expect(errorsOf(s => database(s, {}).addPropertyOverride('ManageMasterUserPassword', true))).toEqual([]);
    });
    test('ManageMasterUserPassword from a parameter (may be false) does not excuse a literal password', () => {
      expect(errorsOf(s => database(s, {
        manageMasterUserPassword: new CfnParameter(s, 'Managed', { type: 'String' }).valueAsString as any, masterUserPassword: 'hunter2hunter2',
      }))).toEqual(PASSWORD);
    });
    test('a raw CfnResource of type AWS::RDS::DBInstance is checked', () => {
      expect(errorsOf(s => new CfnResource(s, 'Db', { type: 'AWS::RDS::DBInstance', properties: { Engine: 'postgres', MasterUserPassword: 'hunter2hunter2' } })))
        .toEqual(PASSWORD);
    });
  });

  test('LiteralValueInSecretTemplate: a template overridden in', () => {
    expect(errorsOf(s => (compliantSecret(s, 'S').node.defaultChild as secretsmanager.CfnSecret)
      .addPropertyOverride('GenerateSecretString.SecretStringTemplate', '{"username":"a","apiToken":"hunter2hunter2"}')))
      .toEqual(['LiteralValueInSecretTemplate Test/S/Resource']);
  });
});

describe('the guard only reads (review BR)', () => {
  // The guard renders resources while aspects still run: a value the library reads when the template is written
  // must not be fixed by that early read. A landing-zone aspect that gives every role a path, and a grant made in an
  // aspect, must reach the secret's deny as they do without the guard.
  const ENV_BR = { account: '111111111111', region: 'eu-west-1' };
  function denyExemptions(guard: boolean, lateGrant: boolean): unknown {
    const app = new App();
    const data = new Stack(app, 'Data', { env: ENV_BR });
    const svc = new Stack(app, 'Svc', { env: ENV_BR });
    const secret = new ProtectedSecret(data, 'PS', {});
    const role = new iam.Role(svc, 'AppRole', { roleName: 'app-role', assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    secret.grantRead(role);
    Aspects.of(app).add({ visit: node => { if (node instanceof iam.CfnRole) node.path = '/workloads/'; } });
    if (lateGrant) {
      const late = new iam.Role(data, 'ZLateRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      Aspects.of(app).add({ visit: node => { if (node === late) secret.grantRead(late); } });
    }
    if (guard) Aspects.of(app).add(new SecretsGuard({ requireRotation: false }));
    const template = app.synth().getStackArtifact(data.artifactId).template;
    const policy = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::SecretsManager::ResourcePolicy');
    return policy.Properties.ResourcePolicy.Statement.find((s: any) => s.Sid === 'DenyValueAccessToEveryoneElse').Condition;
  }

  test('a role path given by an aspect reaches the deny with the guard on', () => {
    const withGuard = denyExemptions(true, false);
    expect(JSON.stringify(withGuard)).toContain('role/workloads/app-role');
    expect(withGuard).toEqual(denyExemptions(false, false));
  });

  test('a grant made in an aspect reaches the deny with the guard on', () => {
    expect(denyExemptions(true, true)).toEqual(denyExemptions(false, true));
  });
});
