// RotationFunction's password options and plaintext opt-in: what reaches the function's environment, and what is refused.
import { App, CfnCondition, CfnElement, CfnParameter, Duration, Fn, Stack, aws_ec2 as ec2, aws_iam as iam, aws_rds as rds, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DATA_API_STATEMENT_LIMIT_S, RESUME_WAITS_MS } from '../lambda/rotation/engines/data-api';
import { ProtectedSecret, RotatedDatabase, RotationEngine, RotationFunction, RotationFunctionProps } from '../src';

function build(props: Partial<RotationFunctionProps> = {}) {
  const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const fn = new RotationFunction(stack, 'Rotation', { vpc, ...props });
  return { stack, fn };
}

const environment = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;

test('every password option reaches the function under the name AWS\'s rotation functions read', () => {
  const { stack } = build({
    passwordLength: 40,
    excludeCharacters: 'abc',
    excludeNumbers: true,
    excludePunctuation: true,
    excludeUppercase: false,
    excludeLowercase: false,
    requireEachIncludedType: false,
  });
  expect(environment(stack)).toMatchObject({
    PASSWORD_LENGTH: '40',
    EXCLUDE_CHARACTERS: 'abc',
    EXCLUDE_NUMBERS: 'true',
    EXCLUDE_PUNCTUATION: 'true',
    EXCLUDE_UPPERCASE: 'false',
    EXCLUDE_LOWERCASE: 'false',
    REQUIRE_EACH_INCLUDED_TYPE: 'false',
  });
});

test('without options the function keeps its defaults and gets no plaintext allowance', () => {
  const env = environment(build().stack);
  expect(env).toMatchObject({ PASSWORD_LENGTH: '32', EXCLUDE_CHARACTERS: expect.stringContaining('@') });
  expect(env.PLAINTEXT_SECRET_ARNS).toBeUndefined();
  expect(env.EXCLUDE_NUMBERS).toBeUndefined();
});

test('options that leave no character to choose from are refused, naming the props', () => {
  expect(() => build({ excludeNumbers: true, excludePunctuation: true, excludeUppercase: true, excludeLowercase: true }))
    .toThrow(/RotationFunction Stack\/Rotation: `excludeNumbers`, `excludePunctuation`, `excludeUppercase` and `excludeLowercase` are all true/);
});

test('excludeCharacters that empties a required type, or every included type, is refused with the props to change', () => {
  expect(() => build({ excludeCharacters: '0123456789' }))
    .toThrow(/`excludeCharacters` holds every numbers character, and `requireEachIncludedType` \(true by default\) asks for one of each included type: set `excludeNumbers: true`, set `requireEachIncludedType: false`/);
  expect(() => build({ excludeCharacters: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', excludeNumbers: true, excludePunctuation: true }))
    .toThrow(/`excludeCharacters` holds every character of the included types: no character is left/);
  // Allowed: the emptied type is not required, or it is excluded anyway.
  expect(() => build({ excludeCharacters: '0123456789', requireEachIncludedType: false })).not.toThrow();
  expect(() => build({ excludeCharacters: '0123456789', excludeNumbers: true })).not.toThrow();
});

test('allowPlaintextConnections lists exactly the secrets opted in, by full ARN', () => {
  const { stack, fn } = build();
  const legacy = new secretsmanager.Secret(stack, 'Legacy');
  const other = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Other', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf');
  fn.allowPlaintextConnections(legacy);
  fn.allowPlaintextConnections(other);
  expect(environment(stack).PLAINTEXT_SECRET_ARNS).toEqual({
    'Fn::Join': ['', [{ Ref: stack.getLogicalId(legacy.node.defaultChild as CfnElement) }, ',arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbCdEf']],
  });
});

// Lambda: "4 KB, for all environment variables associated with the function, in aggregate"
// (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); over it, the deploy fails (review CL).
test('an environment over Lambda\'s 4 KB is refused at synth, saying what fills it', () => {
  const { stack, fn } = build();
  for (let i = 0; i < 40; i++) {
    fn.allowPlaintextConnections(secretsmanager.Secret.fromSecretCompleteArn(stack, `Legacy${i}`,
      `arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments-platform/postgres-app-user-${String(i).padStart(3, '0')}-AbCdEf`));
  }
  expect(() => (stack.node.root as App).synth()).toThrow(/RotationFunction Stack\/Rotation: its environment variables would take about \d+ bytes, over Lambda's 4 KB.*40 secret ARNs are listed for `allowPlaintextConnections`/);
  // Ten fit.
  const few = build();
  for (let i = 0; i < 10; i++) {
    few.fn.allowPlaintextConnections(secretsmanager.Secret.fromSecretCompleteArn(few.stack, `Legacy${i}`,
      `arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments-platform/postgres-app-user-${String(i).padStart(3, '0')}-AbCdEf`));
  }
  expect(() => (few.stack.node.root as App).synth()).not.toThrow();
  // Secrets of the stack with long names of their own count at their names' length (review CN).
  const named = build();
  for (let i = 0; i < 25; i++) {
    named.fn.allowPlaintextConnections(new secretsmanager.Secret(named.stack, `Named${i}`, { secretName: `prod/${'payments-platform-'.repeat(10)}${i}` }));
  }
  expect(() => (named.stack.node.root as App).synth()).toThrow(/25 secret ARNs are listed/);
});

// Review CL: a Data API step waits up to 31 s for a paused cluster, then a statement may run to the Data API's 45 s;
// past the function's timeout Lambda stops the step with nothing of the cause logged.
test('a Data API step waits at least a minute for a paused cluster to resume: longer than AWS gives for a resume after a deep sleep', () => {
  // "If an Aurora Serverless v2 instance remains paused more than 24 hours, Aurora can put the instance into a deeper
  // sleep that takes longer to resume. In that case, the resume time can be 30 seconds or longer ... we recommend
  // setting connection timeouts to 30 seconds or more" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2-auto-pause.html).
  expect(RESUME_WAITS_MS.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(60_000);
});

test('the function\'s timeout outlasts the slowest Data API step (resume waits, then a statement to the Data API\'s limit) with room for its AWS calls', () => {
  const { stack } = build();
  const timeout = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0].Properties.Timeout;
  const slowest = RESUME_WAITS_MS.reduce((sum, ms) => sum + ms, 0) / 1000 + DATA_API_STATEMENT_LIMIT_S;
  // The step's Secrets Manager calls (login secret, stages): each ends within about 35 s (lambda/rotation/clients.ts).
  expect(timeout).toBeGreaterThanOrEqual(slowest + 35);
});

test('allowPlaintextConnections refuses a secret imported without its full ARN, and says how to import it', () => {
  const { stack, fn } = build();
  const byName = secretsmanager.Secret.fromSecretNameV2(stack, 'ByName', 'legacy');
  expect(() => fn.allowPlaintextConnections(byName)).toThrow(/needs the secret's full ARN .*Secret.fromSecretCompleteArn/);
});

test('the role may do every EC2 action of AWS\'s minimum policy for a function in a VPC, on "*" as that policy names them, and nothing else on "*"', () => {
  // AWSLambdaVPCAccessExecutionRole v3 (January 2024), "minimum permissions for a Lambda function to execute while
  // accessing a resource within a VPC": its EC2 actions, DescribeSubnets among them
  // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html).
  const minimum = ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'];
  const { stack, fn } = build();
  // With a secret to rotate and the Data API engine, whose grants are the role's other statements.
  fn.addSecret(new secretsmanager.Secret(stack, 'Rotated'));
  fn.addEngine(RotationEngine.DATA_API);
  const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  const onEverything = statements.filter((s: any) => s.Effect === 'Allow' && [].concat(s.Resource).includes('*' as never))
    .flatMap((s: any) => [].concat(s.Action));
  // Nothing else: cdk-nag's IAM5 and checkov's CKV_AWS_111 are suppressed for this policy's "*" (examples/compliance.ts,
  // test/compliance.test.ts), so they would not report a secret action added on "*" (review CM).
  expect([...new Set(onEverything)].sort()).toEqual([...minimum].sort());
});

// CreateVpcEndpoint's PrivateDnsEnabled: "To use a private hosted zone, you must set the following VPC attributes to
// true: enableDnsHostnames and enableDnsSupport" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html).
describe('privateDnsEnabled in a VPC of this app without DNS hostnames or DNS support', () => {
  function inVpc(vpcProps: ec2.VpcProps) {
    const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }], ...vpcProps });
    return () => new RotationFunction(stack, 'Rotation', { vpc, privateDnsEnabled: true });
  }

  // aws-cdk-lib's Vpc refuses DNS hostnames without DNS support, so these are the two ways a Vpc can lack them.
  test.each<[string, ec2.VpcProps]>([
    ['`enableDnsHostnames: false`', { enableDnsHostnames: false }],
    ['`enableDnsHostnames: false` and `enableDnsSupport: false`', { enableDnsSupport: false, enableDnsHostnames: false }],
  ])('the Secrets Manager endpoint would fail to create: refused, naming %s and the fix', (attributes, vpcProps) => {
    expect(inVpc(vpcProps)).toThrow(new RegExp(`RotationFunction Stack/Rotation: \`privateDnsEnabled\` is true, but VPC Stack/Vpc has ${attributes}; `
      + 'CreateVpcEndpoint takes private DNS only in a VPC with enableDnsHostnames and enableDnsSupport true \\(https://docs\\.aws\\.amazon\\.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint\\.html\\)\\. '
      + 'Set them to true on the VPC, or leave `privateDnsEnabled` off'));
  });

  test('a VPC with both on (aws-cdk-lib\'s default) is accepted', () => {
    expect(inVpc({})).not.toThrow();
  });

  test('without private DNS the attributes do not matter', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, enableDnsHostnames: false, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    expect(() => new RotationFunction(stack, 'Rotation', { vpc })).not.toThrow();
  });

  test('an imported VPC cannot be checked and is accepted', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-12345678', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-1234'] });
    expect(() => new RotationFunction(stack, 'Rotation', { vpc, privateDnsEnabled: true })).not.toThrow();
  });
});

describe('passwordLength', () => {
  // lambda/rotation/password.ts refuses a PASSWORD_LENGTH that is not a whole number: every rotation would fail.
  test('a length that is not a whole number is refused at synth, naming the prop', () => {
    expect(() => build({ passwordLength: 20.5 })).toThrow(/RotationFunction Stack\/Rotation: `passwordLength` must be a whole number, got 20.5/);
  });

  test('a length from a CloudFormation parameter reaches the function as CloudFormation resolves it, not as a garbled number', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const length = new CfnParameter(stack, 'Length', { type: 'Number' }).valueAsNumber;
    new RotationFunction(stack, 'Rotation', { vpc, passwordLength: length });
    expect(environment(stack).PASSWORD_LENGTH).toEqual({ Ref: 'Length' });
  });
});

describe('RotationFunction.shared called again for the same VPC and subnets', () => {
  const mysql = rds.DatabaseInstanceEngine.mysql({ version: rds.MysqlEngineVersion.VER_8_0 });
  function network() {
    const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    return { stack, vpc };
  }

  test('with another passwordLength is refused, naming both values and the fix (it was silently ignored)', () => {
    const { stack, vpc } = network();
    const first = RotationFunction.shared(stack, { vpc, passwordLength: 32 });
    expect(() => RotationFunction.shared(stack, { vpc, passwordLength: 20 }))
      .toThrow(new RegExp(`RotationFunction.shared Stack: \`passwordLength\` is 20, but the shared rotation function ${first.node.path} of this VPC and subnets already exists with 32`));
  });

  test('with the same options, or leaving them out, gets the same function', () => {
    const { stack, vpc } = network();
    const first = RotationFunction.shared(stack, { vpc, passwordLength: 20, excludeCharacters: '/"@' });
    expect(RotationFunction.shared(stack, { vpc, passwordLength: 20, excludeCharacters: '/"@' })).toBe(first);
    expect(RotationFunction.shared(stack, { vpc })).toBe(first);
  });

  test('two databases sharing the VPC and subnets with different createSecretsManagerEndpoint: the later is refused', () => {
    const { stack, vpc } = network();
    new RotatedDatabase(stack, 'Orders', { vpc, engine: mysql, createSecretsManagerEndpoint: false });
    expect(() => new RotatedDatabase(stack, 'Invoices', { vpc, engine: mysql, createSecretsManagerEndpoint: true }))
      .toThrow(/RotationFunction.shared Stack\/Invoices: `createSecretsManagerEndpoint` is true, but the shared rotation function .* already exists with false, so true would be ignored/);
  });

  test('deployRoles add up: each call\'s deployers are exempt from the proof key\'s deny of changes, not refused as another value', () => {
    const { stack, vpc } = network();
    const pipeline = 'arn:aws:iam::123456789012:role/pipeline';
    const person = 'arn:aws:iam::123456789012:user/release-manager';
    const fn = RotationFunction.shared(stack, { vpc, deployRoles: [iam.Role.fromRoleArn(stack, 'Pipeline', pipeline)] });
    expect(RotationFunction.shared(stack, { vpc, deployRoles: [iam.User.fromUserArn(stack, 'Person', person)] })).toBe(fn);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::SecretsManager::ResourcePolicy'))[0];
    const exempt = policy.Properties.ResourcePolicy.Statement.find((st: any) => st.Sid === 'NobodyButTheDeployerChangesIt').Condition.StringNotEquals['aws:PrincipalArn'];
    expect(exempt).toEqual(expect.arrayContaining([pipeline, person]));
  });
});

// The deny exempts the deployers by aws:PrincipalArn, which names a role or user: an account, "*" or a service
// principal there would exempt nobody who deploys (and "*" would read as exempting everyone).
test.each<[string, (stack: Stack) => iam.IPrincipal, RegExp]>([
  ['the account', () => new iam.AccountRootPrincipal(), /`deployRoles` contains the account of the stack; name the roles or users that deploy/],
  ['an account ID', () => new iam.ArnPrincipal('123456789012'), /`deployRoles` contains the account 123456789012/],
  ['AnyPrincipal', () => new iam.AnyPrincipal(), /`deployRoles` contains AnyPrincipal/],
  ['a service principal', () => new iam.ServicePrincipal('cloudformation.amazonaws.com'), /`deployRoles` contains a principal that is not a role or user/],
  // Review DT: as a secret's deployRoles are refused (ProtectedSecret), not silently exempting nobody or everybody.
  ['a role session', () => new iam.ArnPrincipal('arn:aws:sts::111111111111:assumed-role/deployer/alice'), /`deployRoles` contains the role session .*pass the role/],
  ['a principal with conditions', () => new iam.ArnPrincipal('arn:aws:iam::111111111111:role/deployer').withConditions({ StringEquals: { 'aws:SourceVpce': 'vpce-1' } }),
    /`deployRoles` contains a principal with conditions/],
  ['a group', (stack: Stack) => iam.Group.fromGroupArn(stack, `Deployers${stack.node.children.length}`, 'arn:aws:iam::111111111111:group/deployers'), /`deployRoles` contains an IAM group/],
])('deployRoles with %s is refused, naming the prop, on a new function and on a shared call that gets an existing one', (_name, principal, message) => {
  const { stack } = build();
  const vpc = (stack.node.findChild('Vpc') as ec2.Vpc);
  expect(() => new RotationFunction(stack, 'Other', { vpc, deployRoles: [principal(stack)] })).toThrow(message);
  RotationFunction.shared(stack, { vpc });
  expect(() => RotationFunction.shared(stack, { vpc, deployRoles: [principal(stack)] })).toThrow(message);
});

/** aws-cdk-lib's deprecated import by name, whose `secretArn` is the bare name. */
interface DeprecatedSecretImport {
  fromSecretName(scope: Stack, id: string, secretName: string): secretsmanager.ISecret;
}

// Review CV: aws-cdk-lib's RotationSchedule grants Secrets Manager the function for any secret of any account when a
// secret that is not a ProtectedSecret is given `rotationLambda: fn.function`; scheduleRotation is the scoped way.
describe('scheduling a secret that is not a ProtectedSecret', () => {
  test('through the secret\'s own addRotationSchedule with the function fails at synth, naming the permission and the fix', () => {
    const { stack, fn } = build();
    new secretsmanager.Secret(stack, 'Plain').addRotationSchedule('Rotation', { rotationLambda: fn.function });
    expect(() => (stack.node.scope as App).synth())
      .toThrow(/RotationFunction Stack\/Rotation: Stack\/Rotation\/Function\/\S+ lets Secrets Manager invoke the function for any secret of any account \(no SourceArn\).*rotationFunction\.scheduleRotation\(id, secret, options\).*keep its id.*`rotateImmediatelyOnUpdate: false`/);
  });

  test('through scheduleRotation: one permission naming the secret and its account, the role granted the secret, and the options kept', () => {
    const { stack, fn } = build();
    const plain = new secretsmanager.Secret(stack, 'Plain');
    const schedule = fn.scheduleRotation('Rotation', plain, { scheduleExpression: 'rate(10 days)' });
    expect(schedule.node.scope).toBe(plain);
    expect(() => (stack.node.scope as App).synth()).not.toThrow();
    const t = Template.fromStack(stack);
    const permissions = Object.values(t.findResources('AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(1);
    expect(permissions[0].Properties).toMatchObject({ Principal: 'secretsmanager.amazonaws.com', SourceAccount: '123456789012', SourceArn: { Ref: stack.getLogicalId(plain.node.defaultChild as CfnElement) } });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(10 days)' } });
    // The role reads and writes the secret (a secret without a customer-managed key: in the role's own policy).
    const plainRef = { Ref: stack.getLogicalId(plain.node.defaultChild as CfnElement) };
    const statements = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const onPlain = statements.filter((st: any) => JSON.stringify(st.Resource) === JSON.stringify(plainRef)).flatMap((st: any) => st.Action);
    expect(onPlain).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']));
  });

  test('a permission of your own with SourceAccount but no SourceArn is refused too, and the message says of its account', () => {
    const { stack, fn } = build();
    fn.function.addPermission('Mine', { principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'), sourceAccount: '123456789012' });
    expect(() => (stack.node.scope as App).synth()).toThrow(/Function\/Mine lets Secrets Manager invoke the function for any secret of its account \(no SourceArn\)/);
  });

  // Review DB: these permissions could never match, so the secret would never rotate.
  test.each<[string, (stack: Stack) => secretsmanager.ISecret, RegExp]>([
    // aws-cdk-lib's deprecated fromSecretName, which its typings no longer declare but JavaScript and jsii hosts still reach.
    ['a secret known by name only', stack => (secretsmanager.Secret as unknown as DeprecatedSecretImport).fromSecretName(stack, 'X', 'mydb'),
      /known by name only \("mydb"\).*fromSecretNameV2/],
    ['a secret of another account', stack => secretsmanager.Secret.fromSecretCompleteArn(stack, 'X', 'arn:aws:secretsmanager:us-east-1:222222222222:secret:db-AbCdEf'),
      /is a secret of account 222222222222, but the stack is of 123456789012/],
    ['a secret of another region', stack => secretsmanager.Secret.fromSecretCompleteArn(stack, 'X', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf'),
      /is in eu-west-1, but the stack is in us-east-1/],
  ])('scheduleRotation refuses %s, whose permission could never match', (_name, secret, message) => {
    const { stack, fn } = build();
    expect(() => fn.scheduleRotation('Rotation', secret(stack))).toThrow(message);
  });

  test('scheduleRotation accepts a secret of its own account and region imported by complete ARN or by name (V2)', () => {
    const { stack, fn } = build();
    fn.scheduleRotation('A', secretsmanager.Secret.fromSecretCompleteArn(stack, 'A', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf'));
    fn.scheduleRotation('B', secretsmanager.Secret.fromSecretNameV2(stack, 'B', 'other-db'));
    expect(() => (stack.node.scope as App).synth()).not.toThrow();
  });

  // Review DB: "You can define only one rotation schedule per secret" (CloudFormation, quoted by
  // https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_secretsmanager.CfnRotationSchedule.html).
  test.each<[string, (stack: Stack, fn: RotationFunction) => void]>([
    ['scheduleRotation twice on one secret', (stack, fn) => {
      const plain = new secretsmanager.Secret(stack, 'Plain');
      fn.scheduleRotation('Rotation', plain);
      fn.scheduleRotation('Again', plain, { automaticallyAfter: Duration.days(7) });
    }],
    ['two imports of one ARN', (stack, fn) => {
      const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';
      fn.scheduleRotation('Rotation', secretsmanager.Secret.fromSecretCompleteArn(stack, 'Plain', arn));
      fn.scheduleRotation('Again', secretsmanager.Secret.fromSecretCompleteArn(stack, 'Other', arn));
    }],
    ['a schedule of the user\'s own beside the library\'s', (stack, fn) => {
      const plain = new secretsmanager.Secret(stack, 'Plain');
      fn.scheduleRotation('Rotation', plain);
      new secretsmanager.CfnRotationSchedule(stack, 'Again', { secretId: plain.secretArn, rotationLambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:mine' });
    }],
    ['a ProtectedSecret\'s addRotationSchedule twice', (stack, fn) => {
      const secret = new ProtectedSecret(stack, 'Plain');
      secret.addRotationSchedule('Rotation', { rotationLambda: fn.function });
      secret.addRotationSchedule('Again', { rotationLambda: fn.function, automaticallyAfter: Duration.days(7) });
    }],
    ['scheduleRotation on a RotatedDatabase\'s secret, which the database schedules already', (stack, fn) => {
      const db = new RotatedDatabase(stack, 'Plain', {
        vpc: fn.vpc, engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }), rotationFunction: fn,
      });
      fn.scheduleRotation('Again', db.secret.secret);
    }],
    ['scheduleRotation on a ProtectedSecret beside its own addRotationSchedule', (stack, fn) => {
      const secret = new ProtectedSecret(stack, 'Plain');
      secret.addRotationSchedule('Rotation', { rotationLambda: fn.function });
      fn.scheduleRotation('Again', secret);
    }],
  ])('a second rotation schedule for one secret fails at synth, naming both: %s', (_name, schedule) => {
    const { stack, fn } = build();
    schedule(stack, fn);
    expect(() => (stack.node.scope as App).synth())
      .toThrow(/Stack\/Plain\/\S*(Rotation|Again)\S* and Stack\/\S*(Rotation|Again)\S* both schedule the rotation of one secret.*only one rotation schedule per secret.*Keep one/);
  });

  // Review DJ: a resource whose Condition is false is not created, so such schedules may never exist together.
  test('schedules under opposite CloudFormation conditions are not a second schedule', () => {
    const { stack, fn } = build();
    fn.scheduleRotation('Rotation', new secretsmanager.Secret(stack, 'Library'));
    const plain = new secretsmanager.Secret(stack, 'Plain');
    const prod = new CfnCondition(stack, 'IsProd', { expression: Fn.conditionEquals(stack.stackName, 'prod') });
    const notProd = new CfnCondition(stack, 'NotProd', { expression: Fn.conditionNot(prod) });
    for (const [id, condition, days] of [['ProdSchedule', prod, 30], ['DevSchedule', notProd, 7]] as const) {
      new secretsmanager.CfnRotationSchedule(stack, id, {
        secretId: plain.secretArn, rotationLambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:mine', rotationRules: { automaticallyAfterDays: days },
      }).cfnOptions.condition = condition;
    }
    expect(() => (stack.node.scope as App).synth()).not.toThrow();
  });

  test('one schedule for each of two secrets is not a second schedule', () => {
    const { stack, fn } = build();
    fn.scheduleRotation('Rotation', new secretsmanager.Secret(stack, 'Plain'));
    fn.scheduleRotation('Rotation', new secretsmanager.Secret(stack, 'Other'));
    expect(() => (stack.node.scope as App).synth()).not.toThrow();
  });

  // Review DI: its first rotation would fail, naming the superuser as its own user.
  test('scheduleRotation refuses a secret given as its own superuser, by object or by ARN', () => {
    const { stack, fn } = build();
    const plain = new secretsmanager.Secret(stack, 'Plain');
    expect(() => fn.scheduleRotation('Rotation', plain, {}, plain)).toThrow(/`superuserSecret` is `secret` Stack\/Plain itself.*leave `superuserSecret` out for a single user/);
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf';
    expect(() => fn.scheduleRotation('Other', secretsmanager.Secret.fromSecretCompleteArn(stack, 'A', arn), {}, secretsmanager.Secret.fromSecretCompleteArn(stack, 'B', arn)))
      .toThrow(/`superuserSecret` is `secret` Stack\/A itself/);
  });

  test('scheduleRotation refuses options that cannot work, naming them', () => {
    const { stack, fn } = build();
    expect(() => fn.scheduleRotation('Rotation', new secretsmanager.Secret(stack, 'Plain'), { scheduleExpression: 'rate(10 days)', automaticallyAfter: Duration.days(3) }))
      .toThrow(/RotationFunction.scheduleRotation.*give either `automaticallyAfter` or `scheduleExpression`, not both/);
  });
});

// Review DI: aws-cdk-lib's own errors for these named neither grantableIn nor the fix.
describe('grantableIn refuses a stack its role cannot be granted from', () => {
  test.each<[string, (app: App) => Stack, RegExp]>([
    ['of another account', app => new Stack(app, 'Other', { env: { account: '222222222222', region: 'us-east-1' } }), /of account 222222222222 and region us-east-1, not 123456789012 and us-east-1/],
    ['of another region', app => new Stack(app, 'Other', { env: { account: '123456789012', region: 'eu-west-1' } }), /of account 123456789012 and region eu-west-1/],
    ['of another app', () => new Stack(new App(), 'Other', { env: { account: '123456789012', region: 'us-east-1' } }), /of another app/],
  ])('%s, naming it and the fix', (_name, other, message) => {
    const { stack, fn } = build();
    const otherStack = other(stack.node.root as App);
    expect(() => fn.grantableIn(otherStack)).toThrow(message);
    expect(() => fn.grantableIn(otherStack)).toThrow(/RotationFunction Stack\/Rotation: grantableIn got a scope of the stack Other.*RotationFunction\.shared\(thatStack/);
  });

  test('a stack of the same app and environment gets the role', () => {
    const { stack, fn } = build();
    const other = new Stack(stack.node.root as App, 'Other', { env: { account: '123456789012', region: 'us-east-1' } });
    new secretsmanager.Secret(other, 'Plain').grantRead(fn.grantableIn(other));
    expect(() => (stack.node.root as App).synth()).not.toThrow();
  });
});
