// The example app: one API key and two rotated databases sharing one rotation function, and a stack for the
// account: the trail the alerts need and the account-wide secret alerts (one of each per account).
// Built by examples/app.ts (the README's main command) and by the compliance tests.
import { App, Stack, ArnFormat, aws_ec2 as ec2, aws_iam as iam, aws_rds as rds } from 'aws-cdk-lib';
import { suppressRulesThatDoNotApply } from './compliance';
import { AccountSecretAlerts, ProtectedSecret, RotatedDatabase, SecretsTrail } from '../src';

/** A literal CIDR, so security group rules name their source at synth. */
const VPC_CIDR = '10.0.0.0/16';

/** Adds the example stacks to `app` and returns them. */
export function buildExampleApp(app: App): Stack[] {
  // Environment-agnostic: no lookups, no credentials, and availability zones chosen at deployment (Fn::GetAZs).
  const stack = new Stack(app, 'ProtectedSecretsExample');

  const service = new iam.Role(stack, 'ServiceRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  const operator = new iam.Role(stack, 'OperatorRole', { assumedBy: new iam.AccountRootPrincipal() });
  // A nightly billing job, given the API key by a grant rather than as a listed reader.
  const billing = new iam.Role(stack, 'BillingJobRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  // A reporting task that reads the orders database secret through `.secret`, the aws-cdk-lib Secret, as
  // ecs.Secret.fromSecretsManager(orders.secret.secret) would.
  const reports = new iam.Role(stack, 'ReportsTaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  // The security team's emergency role, created outside this app.
  const breakGlass = iam.Role.fromRoleArn(stack, 'BreakGlassRole', stack.formatArn({
    service: 'iam', region: '', resource: 'role', resourceName: 'security-break-glass', arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  }));

  const apiKey = new ProtectedSecret(stack, 'PaymentsApiKey', {
    secretName: 'example/payments/api-key',
    description: 'API key for the payments provider',
    readers: [service],
    writers: [operator],
    breakGlassPrincipals: [breakGlass],
    arnParameterName: '/example/payments/api-key-arn',
    // Every secret in the stack alerts to one shared, KMS-encrypted topic; this subscribes the on-call address.
    monitoring: { alertEmails: ['secrets-oncall@example.com'] },
  });
  apiKey.grantReadViaParameterStore(service);
  apiKey.grantRead(billing);

  // Databases in isolated subnets: the rotation function reaches Secrets Manager through an interface endpoint.
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });

  const orders = new RotatedDatabase(stack, 'OrdersDb', {
    vpc,
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
    databaseName: 'orders',
    // Not the engine's default port, so scans for PostgreSQL on 5432 miss it.
    port: 15432,
    secretReaders: [service],
  });

  orders.secret.secret.grantRead(reports);

  const admin = new ProtectedSecret(stack, 'CatalogAdmin', {
    description: 'Master user of the catalog database',
    // RDS refuses "/", '"' and "@" in a master password
    // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html, MasterUserPassword).
    generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'catalogadmin' }), generateStringKey: 'password', excludeCharacters: '/"@' },
  });
  const catalog = new RotatedDatabase(stack, 'CatalogDb', {
    vpc,
    engine: rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 }),
    databaseName: 'catalog',
    port: 13306,
    username: 'catalog',
    superuserSecret: admin,
    secretReaders: [service],
  });

  orders.connections.allowDefaultPortFrom(ec2.Peer.ipv4(VPC_CIDR), 'Applications in the VPC');
  catalog.connections.allowDefaultPortFrom(ec2.Peer.ipv4(VPC_CIDR), 'Applications in the VPC');

  suppressRulesThatDoNotApply(stack, {
    vpc,
    // The operator role has no policy of its own (it writes through the secret's resource policy): nothing to suppress.
    applicationRoles: [service, billing, reports],
    unrotatedSecrets: { [apiKey.node.path]: 'An API key issued by the payments provider: only the provider can change it, so no function can rotate it.' },
  });
  return [stack, buildAccountStack(app)];
}

/** Once per account (and, for the alerts, per region): the trail and the alerts on every secret of the account. */
function buildAccountStack(app: App): Stack {
  const stack = new Stack(app, 'ProtectedSecretsAccount');
  // EventBridge receives API calls only while a trail logs them; this one logs reads too (GetSecretValue).
  const trail = new SecretsTrail(stack, 'Trail', { sendToCloudWatchLogs: true });
  new AccountSecretAlerts(stack, 'SecretAlerts', {
    alertEmails: ['secrets-oncall@example.com'],
    alertPhoneNumbers: ['+14155550100'],
  });
  suppressRulesThatDoNotApply(stack, { trails: [trail] });
  return stack;
}
