// A platform team's layout (README "A rotation function in a shared network stack"): the VPC and one rotation
// function in a Network stack, databases in Data and Billing stacks, a service in an Apps stack. Synthesized by
// test/multi-stack.test.ts (no cycle, one function, one endpoint per service) and by the compliance tests.
import { App, Stack, aws_ec2 as ec2, aws_iam as iam, aws_rds as rds } from 'aws-cdk-lib';
import { suppressRulesThatDoNotApply } from './compliance';
import { MonitoringTrail, ProtectedSecret, RotatedAuroraCluster, RotatedDatabase, RotationFunction, SecretMonitoring } from '../src';

/** The stacks of the multi-stack example, and what the tests look into. */
export interface MultiStackApp {
  readonly network: Stack;
  readonly apps: Stack;
  readonly data: Stack;
  readonly billing: Stack;
  readonly rotation: RotationFunction;
  readonly orders: RotatedDatabase;
  readonly invoices: RotatedDatabase;
  readonly admin: ProtectedSecret;
  readonly ledger: RotatedAuroraCluster;
}

/** Adds the four stacks to `app`; `env` pins account and region (the tests use a fixed one). */
export function buildMultiStackApp(app: App, env?: { account: string; region: string }): MultiStackApp {
  const network = new Stack(app, 'Network', { env });
  const vpc = new ec2.Vpc(network, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
  // The one rotation function of the VPC, with the library's endpoints (private DNS off).
  const rotation = new RotationFunction(network, 'Rotation', { vpc });

  const apps = new Stack(app, 'Apps', { env });
  const service = new iam.Role(apps, 'Service', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

  // Each database names the shared function; what names its secret is written in its own stack.
  const data = new Stack(app, 'Data', { env });
  const orders = new RotatedDatabase(data, 'OrdersDb', {
    vpc,
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_6 }),
    port: 15432,
    rotationFunction: rotation,
    secretReaders: [service],
  });

  const billing = new Stack(app, 'Billing', { env });
  const admin = new ProtectedSecret(billing, 'InvoicesAdmin', {
    description: 'Master user of the invoices database',
    // RDS refuses "/", '"' and "@" in a master password
    // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html, MasterUserPassword).
    generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'invoicesadmin' }), generateStringKey: 'password', excludeCharacters: '/"@' },
  });
  const invoices = new RotatedDatabase(billing, 'InvoicesDb', {
    vpc,
    engine: rds.DatabaseInstanceEngine.mariaDb({ version: rds.MariaDbEngineVersion.VER_11_4_8 }),
    port: 13306,
    superuserSecret: admin,
    rotationFunction: rotation,
  });
  const ledger = new RotatedAuroraCluster(billing, 'Ledger', {
    vpc,
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 }),
    rotationFunction: rotation,
  });

  // The secrets' alerts on API calls fire only while a trail records them. A platform team's account is logged by
  // its organization's trail (reads and writes), so each data stack states that trail rather than paying for a
  // second copy of the management events with a SecretsTrail of its own.
  const organizationTrail = MonitoringTrail.existing({ logsReadEvents: true, description: 'the organization trail that logs this account' });
  for (const stack of [data, billing]) SecretMonitoring.forStack(stack, { trail: organizationTrail });

  suppressRulesThatDoNotApply(network, { vpc });
  suppressRulesThatDoNotApply(data);
  suppressRulesThatDoNotApply(billing);
  return { network, apps, data, billing, rotation, orders, invoices, admin, ledger };
}
