// A grant keeps its limits whatever aws-cdk-lib can prove about the accounts: `grantRead(grantee, versionStages)`
// limits the grantee to those stages, and a read grant covers the secret's replicas, in the statement IAM evaluates
// for the grantee. aws-cdk-lib writes its limits on the resource-policy statement alone when it cannot tell the
// grantee's account is the secret's (an environment-agnostic stack, a role imported by ARN, an imported secret), so
// the identity policy granted every stage and no replica. Decisions by the policy simulator.
// Also: imports of a secret whose account the stack cannot compare, imports with a key of another region, and a
// rotation function's role granted from a stack of another environment.
import { Annotations as CoreAnnotations, App, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ACCOUNT, Decision, OTHER_ACCOUNT, REGION, ResolvedTemplate, decide, principalCaller } from './iam-matrix';
import { ProtectedSecret, RotationFunction } from '../src';

const ENV = { account: ACCOUNT, region: REGION };
const REPLICA_REGION = 'us-east-1';
const APP_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app`;
const keyArn = (account: string, region: string) => `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const secretArnOf = (account: string) => `arn:aws:secretsmanager:${REGION}:${account}:secret:app/db-AbCdEf`;

type Environment = 'env-agnostic' | 'env set';
type SecretKind = 'owned' | 'imported, same account' | 'imported, other account';
/** A role imported by ARN has a literal account; a role of the stack has the stack's, a token in an env-agnostic stack. */
type Grantee = 'role imported by ARN' | 'role of the stack';

interface Scenario {
  readonly stack: Stack;
  readonly app: App;
  /** The secret's ARN and resource policy as the owner deployed them (the owner's allow, for another account's secret). */
  readonly target: () => { arn: string; policy: any };
  /** The grantee's role as IAM sees it: its name in the resolved templates and its ARN. */
  readonly roleName: string;
}

/** A role is granted the AWSCURRENT stage of a secret. */
function granted(environment: Environment, kind: SecretKind, grantee: Grantee = 'role imported by ARN', replica = false): Scenario {
  const app = new App();
  const stack = new Stack(app, 'C', { env: environment === 'env set' ? ENV : undefined });
  const role = grantee === 'role imported by ARN' ? iam.Role.fromRoleArn(stack, 'AppRole', APP_ROLE_ARN)
    : new iam.Role(stack, 'AppRole', { assumedBy: new iam.AccountRootPrincipal(), roleName: 'app' });
  const roleName = 'app';
  if (kind === 'owned') {
    const secret = new ProtectedSecret(stack, 'PS', { deployRoles: [iam.Role.fromRoleArn(stack, 'Deployer', `arn:aws:iam::${ACCOUNT}:role/deployer`)] });
    if (replica) secret.addReplicaRegion(REPLICA_REGION, kms.Key.fromKeyArn(stack, 'ReplicaKey', keyArn(ACCOUNT, REPLICA_REGION)));
    secret.grantRead(role, ['AWSCURRENT']);
    return { app, stack, roleName, target: () => ownedSecret(app) };
  }
  const account = kind === 'imported, same account' ? ACCOUNT : OTHER_ACCOUNT;
  const secret = ProtectedSecret.fromProtectedSecretAttributes(stack, 'Imported', {
    secretCompleteArn: secretArnOf(account),
    encryptionKey: kms.Key.fromKeyArn(stack, 'Key', keyArn(account, REGION)),
  });
  secret.grantRead(role, ['AWSCURRENT']);
  // Another account's owner allows the role in the secret's policy, every stage: the caller's own policy must limit it.
  const ownerAllows = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: APP_ROLE_ARN }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] };
  return { app, stack, roleName, target: () => ({ arn: secretArnOf(account), policy: account === ACCOUNT ? undefined : ownerAllows }) };
}

/** The app's one owned secret: its ARN and its resource policy, as deployed. */
function ownedSecret(app: App): { arn: string; policy: any } {
  const [arn, policy] = [...resolved(app).secretPolicies()][0];
  return { arn, policy };
}

function resolved(app: App): ResolvedTemplate {
  return new ResolvedTemplate('C', app.synth().getStackByName('C').template);
}

async function readStage(scenario: Scenario, stage: string, region = REGION): Promise<Decision> {
  const t = resolved(scenario.app);
  const identity = t.identityPolicies().get(scenario.roleName);
  const { arn, policy } = scenario.target();
  const inRegion = arn.replace(`:${REGION}:`, `:${region}:`);
  return decide(principalCaller('app', APP_ROLE_ARN, identity), 'secretsmanager:GetSecretValue', inRegion, policy,
    { 'secretsmanager:VersionStage': stage, 'aws:RequestedRegion': region });
}

describe('grantRead(role, [AWSCURRENT]) lets the role read AWSCURRENT and no other stage', () => {
  const cases: [Environment, SecretKind, Grantee][] = [];
  for (const environment of ['env-agnostic', 'env set'] as Environment[]) {
    for (const kind of ['owned', 'imported, same account', 'imported, other account'] as SecretKind[]) {
      for (const grantee of ['role imported by ARN', 'role of the stack'] as Grantee[]) cases.push([environment, kind, grantee]);
    }
  }
  test.each(cases)('%s stack, %s secret, %s', async (environment, kind, grantee) => {
    const scenario = granted(environment, kind, grantee);
    expect({
      AWSCURRENT: await readStage(scenario, 'AWSCURRENT'),
      AWSPREVIOUS: await readStage(scenario, 'AWSPREVIOUS'),
      AWSPENDING: await readStage(scenario, 'AWSPENDING'),
    }).toEqual({ AWSCURRENT: 'Allowed', AWSPREVIOUS: 'ImplicitlyDenied', AWSPENDING: 'ImplicitlyDenied' });
  });
});

describe('a read grant covers the replica, with the same stage limit', () => {
  const cases: [Environment, Grantee][] = [];
  for (const environment of ['env-agnostic', 'env set'] as Environment[]) {
    for (const grantee of ['role imported by ARN', 'role of the stack'] as Grantee[]) cases.push([environment, grantee]);
  }
  test.each(cases)('%s stack, %s', async (environment, grantee) => {
    const scenario = granted(environment, 'owned', grantee, true);
    expect({
      replicaCurrent: await readStage(scenario, 'AWSCURRENT', REPLICA_REGION),
      replicaPrevious: await readStage(scenario, 'AWSPREVIOUS', REPLICA_REGION),
    }).toEqual({ replicaCurrent: 'Allowed', replicaPrevious: 'ImplicitlyDenied' });
  });

  test('a replica added after the grant is covered too', async () => {
    const app = new App();
    const stack = new Stack(app, 'C');
    const secret = new ProtectedSecret(stack, 'PS', { deployRoles: [iam.Role.fromRoleArn(stack, 'Deployer', `arn:aws:iam::${ACCOUNT}:role/deployer`)] });
    secret.grantRead(iam.Role.fromRoleArn(stack, 'AppRole', APP_ROLE_ARN));
    secret.addReplicaRegion(REPLICA_REGION, kms.Key.fromKeyArn(stack, 'ReplicaKey', keyArn(ACCOUNT, REPLICA_REGION)));
    const scenario: Scenario = { app, stack, roleName: 'app', target: () => ownedSecret(app) };
    expect(await readStage(scenario, 'AWSCURRENT', REPLICA_REGION)).toBe('Allowed');
  });
});

describe('an import whose account the stack cannot compare', () => {
  const warnings = (stack: Stack, id: string) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(id)).map(w => String(w.entry.data));

  test('an env-agnostic stack importing a literal ARN warns that the secret may be of another account, and names the fix', () => {
    const stack = new Stack(new App(), 'C');
    ProtectedSecret.fromProtectedSecretAttributes(stack, 'S', { secretCompleteArn: secretArnOf(OTHER_ACCOUNT) });
    const found = warnings(stack, 'cdk-protected-secrets:imported-account-unknown');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`C/S.*${OTHER_ACCOUNT}.*environment-agnostic.*\`env\`.*encryptionKey`));
  });

  test('grantReadViaParameterStore there warns that the reference resolves in the caller\'s own account', () => {
    const stack = new Stack(new App(), 'C');
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    ProtectedSecret.fromProtectedSecretAttributes(stack, 'S', { secretCompleteArn: secretArnOf(OTHER_ACCOUNT) }).grantReadViaParameterStore(role);
    const found = warnings(stack, 'cdk-protected-secrets:parameter-store-account-unknown');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`C/S.*${OTHER_ACCOUNT}.*own account.*GetSecretValue.*ARN.*\`env\``));
  });

  test('a stack with env, or a token ARN, has nothing to warn of', () => {
    const withEnv = new Stack(new App(), 'C', { env: ENV });
    const role = new iam.Role(withEnv, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    ProtectedSecret.fromProtectedSecretAttributes(withEnv, 'S', { secretCompleteArn: secretArnOf(ACCOUNT) }).grantReadViaParameterStore(role);
    const agnostic = new Stack(new App(), 'D');
    const arn = new secretsmanager.Secret(agnostic, 'Other').secretArn;
    ProtectedSecret.fromProtectedSecretAttributes(agnostic, 'S', { secretCompleteArn: arn, secretName: 'app/db' });
    for (const stack of [withEnv, agnostic]) expect(warnings(stack, 'account-unknown')).toEqual([]);
  });

  test('the warnings are acknowledged like the library\'s others', () => {
    const stack = new Stack(new App(), 'C');
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    ProtectedSecret.fromProtectedSecretAttributes(stack, 'S', { secretCompleteArn: secretArnOf(ACCOUNT) }).grantReadViaParameterStore(role);
    CoreAnnotations.of(stack).acknowledgeWarning('cdk-protected-secrets:imported-account-unknown', 'the secret is in the deploying account');
    CoreAnnotations.of(stack).acknowledgeWarning('cdk-protected-secrets:parameter-store-account-unknown', 'the secret is in the deploying account');
    expect(warnings(stack, 'account-unknown')).toEqual([]);
  });
});

test('an import with a key of another region than the secret is refused, as an owned secret\'s is', () => {
  const stack = new Stack(new App(), 'C', { env: ENV });
  expect(() => ProtectedSecret.fromProtectedSecretAttributes(stack, 'S', {
    secretCompleteArn: secretArnOf(ACCOUNT),
    encryptionKey: kms.Key.fromKeyArn(stack, 'K', keyArn(ACCOUNT, 'us-east-1')),
  })).toThrow(/C\/S.*`encryptionKey` is in region us-east-1 but the secret is in eu-west-1.*key in the secret's region/);
});

test('grantableIn refuses a scope of an env-agnostic stack when the function\'s stack has an environment', () => {
  const app = new App();
  const net = new Stack(app, 'Net', { env: ENV });
  const vpc = new ec2.Vpc(net, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const fn = RotationFunction.shared(net, { vpc });
  const agnostic = new Stack(app, 'Agnostic');
  expect(() => fn.grantableIn(agnostic)).toThrow(/grantableIn got a scope of the stack Agnostic, of no account and region \(environment-agnostic\).*RotationFunction\.shared\(thatStack/);
});

test('grantableIn refuses a scope of a stack with an environment when the function\'s stack is environment-agnostic', () => {
  const app = new App();
  const net = new Stack(app, 'Net');
  const vpc = new ec2.Vpc(net, 'Vpc', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const fn = RotationFunction.shared(net, { vpc });
  const withEnv = new Stack(app, 'WithEnv', { env: ENV });
  expect(() => fn.grantableIn(withEnv)).toThrow(new RegExp(`stack WithEnv, of account ${ACCOUNT} and region ${REGION}, while the function's stack is environment-agnostic`));
});
