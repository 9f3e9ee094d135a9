// One key for many secrets (README "One key for many secrets"): two API keys and a rotated database in one stack,
// all encrypted with the stack's SecretsKey, each secret with readers and writers of its own. The key's one policy
// names every secret's readers and writers and the rotation function, so the checks (cdk-nag, cfn-lint, checkov and
// the access matrix, test/checked-apps.ts) see a shared key's policy as a user deploys it: each secret's resource
// policy must still keep it to its own principals.
import { App, Stack, aws_ec2 as ec2, aws_iam as iam, aws_rds as rds } from 'aws-cdk-lib';
import { suppressRulesThatDoNotApply } from './compliance';
import { MonitoringTrail, ProtectedSecret, RotatedDatabase, SecretMonitoring, SecretsKey } from '../src';

/** A literal CIDR, so security group rules name their source at synth. */
const VPC_CIDR = '10.0.0.0/16';

/** Adds the shared-key stack to `app` and returns it. */
export function buildSharedKeyApp(app: App): Stack[] {
  const stack = new Stack(app, 'ProtectedSecretsSharedKey');
  const key = SecretsKey.forStack(stack);

  // The payments API key: read by the payments service, written by the payments operator.
  const service = new iam.Role(stack, 'ServiceRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  const operator = new iam.Role(stack, 'OperatorRole', { assumedBy: new iam.AccountRootPrincipal() });
  // The partner API key: another team's service and operator, who must reach neither the payments key nor the database.
  const partnerService = new iam.Role(stack, 'PartnerServiceRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  const partnerOperator = new iam.Role(stack, 'PartnerOperatorRole', { assumedBy: new iam.AccountRootPrincipal() });
  // The orders service reads the database's credentials only.
  const ordersService = new iam.Role(stack, 'OrdersServiceRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

  const payments = new ProtectedSecret(stack, 'PaymentsApiKey', {
    description: 'API key for the payments provider',
    readers: [service],
    writers: [operator],
    encryptionKey: key,
  });
  const partner = new ProtectedSecret(stack, 'PartnerApiKey', {
    description: 'API key for the partner feed',
    readers: [partnerService],
    writers: [partnerOperator],
    encryptionKey: key,
  });

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
    port: 15432,
    secretReaders: [ordersService],
    encryptionKey: key,
  });
  orders.connections.allowDefaultPortFrom(ec2.Peer.ipv4(VPC_CIDR), 'Applications in the VPC');

  // The alerts on API calls fire only while a trail records them: as in the multi-stack example, the account is logged
  // by its organization's trail, which the stack states.
  SecretMonitoring.forStack(stack, { trail: MonitoringTrail.existing({ logsReadEvents: true, description: 'the organization trail that logs this account' }) });

  const issuedByProvider = 'An API key issued by a provider: only the provider can change it, so no function can rotate it.';
  suppressRulesThatDoNotApply(stack, {
    vpc,
    unrotatedSecrets: { [payments.node.path]: issuedByProvider, [partner.node.path]: issuedByProvider },
  });
  return [stack];
}
