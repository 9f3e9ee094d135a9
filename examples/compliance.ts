// Every cdk-nag suppression the example app and the integ stacks use, each with the reason the rule cannot apply.
// README "Compliance" lists the same. Apply it to your own stacks only where the same reasons hold.
import { Stack, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { NagPackSuppression, NagSuppressions } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { RotatedAuroraCluster, RotatedDatabase, RotationFunction, SecretsTrail } from '../src';

export interface SuppressionOptions {
  /** The stack's VPC: it stands for the user's network, which the library does not create. */
  readonly vpc?: ec2.IVpc;
  /** The application's own roles, which receive aws-cdk-lib grants. */
  readonly applicationRoles?: iam.IRole[];
  /** Secrets that cannot be rotated by a function, by construct path, with the reason. */
  readonly unrotatedSecrets?: Record<string, string>;
  /** Databases that an integ test creates and destroys. */
  readonly testDatabases?: (RotatedDatabase | RotatedAuroraCluster)[];
  /** The account's trails. */
  readonly trails?: SecretsTrail[];
}

const PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];
const inPacks = (rule: string, packs = PACKS) => packs.map(pack => `${pack}-${rule}`);

export function suppressRulesThatDoNotApply(stack: Stack, options: SuppressionOptions = {}): void {
  const suppress = (construct: IConstruct, ids: string[], reason: string, appliesTo?: string[]) =>
    NagSuppressions.addResourceSuppressions(construct, ids.map((id): NagPackSuppression => ({ id, reason, appliesTo })), true);

  for (const node of stack.node.findAll()) {
    if (node instanceof RotationFunction) {
      suppress(node.function, inPacks('LambdaDLQ', ['NIST.800.53.R5', 'HIPAA.Security']),
        'Secrets Manager invokes rotation functions synchronously and records failures itself (RotationFailed); a dead-letter queue only receives asynchronous invocations.');
      suppress(node.function, inPacks('LambdaConcurrency', ['NIST.800.53.R5', 'HIPAA.Security']),
        'Secrets Manager calls the function once per step and secret, so concurrency is bounded by the secrets rotating; reserving concurrency would make the stack fail to deploy in accounts with reduced quotas (new accounts), since a function may reserve only what leaves 100 unreserved (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).');
      suppress(node.function.role!, ['AwsSolutions-IAM5'],
        'Wildcard resources only for the network-interface actions Lambda uses to place the function in the VPC: ec2:DescribeNetworkInterfaces works only on "*" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html), CreateNetworkInterface acts on subnets and security groups that in a shared VPC belong to another account, and the others on the interfaces Lambda creates, whose IDs are unknown at synth. Secret actions are scoped to the rotated secrets (and the rotation-login/ prefix of the Data API logins, granted in the function\'s own stack). cdk-nag matches this by resource, so it would also hide a "*" statement you add to this role yourself.',
        ['Resource::*', 'Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:rotation-login/*']);
      const proofKey = node.node.tryFindChild('ProofKey');
      if (proofKey) {
        suppress(proofKey, ['AwsSolutions-SMG4', ...inPacks('SecretsManagerRotationEnabled', ['NIST.800.53.R5', 'HIPAA.Security'])],
          'The rotation function\'s proof key signs the pending versions it writes, so that a principal allowed only to write a rotated secret cannot choose its password; a new value would void the proofs of rotations in progress. Only the function\'s role may read it, and only the deployer (CloudFormation\'s execution role) may write it (resource policy).');
      }
    }
    if (node instanceof RotatedDatabase || node instanceof RotatedAuroraCluster) {
      suppress(node instanceof RotatedDatabase ? node.instance : node.cluster, inPacks('RDSInBackupPlan', ['NIST.800.53.R5', 'HIPAA.Security']),
        'RDS automated backups are on (7 days by default; an integ test database, destroyed with its test, keeps 1 and no final snapshot) and removal takes a final snapshot by default; which AWS Backup plan a database joins is decided by the organization, not by this library.');
    }
    if (node.node.id === 'ProtectedSecretsRdsMonitoringRole') {
      suppress(node, ['AwsSolutions-IAM4'],
        'AmazonRDSEnhancedMonitoringRole is the policy RDS documents for Enhanced Monitoring; it reaches only RDS\'s own log groups (log-group:RDS*), where RDS writes the metrics.',
        ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole']);
    }
  }

  for (const db of options.testDatabases ?? []) {
    if (db instanceof RotatedAuroraCluster) {
      suppress(db.cluster, ['AwsSolutions-RDS10', ...inPacks('RDSInstanceDeletionProtectionEnabled', ['NIST.800.53.R5', 'HIPAA.Security'])],
        'An integ test cluster, created and destroyed by the test run: without deletion protection so the run can clean up. RotatedAuroraCluster defaults to deletion protection.');
      continue;
    }
    suppress(db.instance, ['AwsSolutions-RDS3', 'AwsSolutions-RDS10', ...inPacks('RDSMultiAZSupport', ['NIST.800.53.R5', 'HIPAA.Security']),
      ...inPacks('RDSInstanceDeletionProtectionEnabled', ['NIST.800.53.R5', 'HIPAA.Security'])],
    'An integ test database, created and destroyed by the test run: single-AZ and without deletion protection so the run stays cheap and can clean up. RotatedDatabase defaults to Multi-AZ with deletion protection.');
  }
  if (options.vpc) {
    suppress(options.vpc, ['AwsSolutions-VPC7', ...inPacks('VPCFlowLogsEnabled', PACKS.slice(1)), ...inPacks('VPCDefaultSecurityGroupClosed', PACKS.slice(1))],
      'This VPC stands in for the user\'s network: flow logs and the default security group are the network owner\'s settings. Nothing here uses the default security group.');
  }
  for (const role of options.applicationRoles ?? []) {
    suppress(role, inPacks('IAMNoInlinePolicy', PACKS.slice(1)),
      'The application\'s own role: aws-cdk-lib grants (grantRead, grantReadViaParameterStore) write its default policy, as in any CDK app.');
  }
  for (const trail of options.trails ?? []) {
    suppress(trail.bucket, ['AwsSolutions-S1', ...inPacks('S3BucketLoggingEnabled', PACKS.slice(1))],
      'The bucket of the account trail: only CloudTrail writes to it (bucket policy scoped to the account\'s trails), and server access logs would need yet another bucket that logs nowhere. Reads of the log files are S3 data events, which the trail can record where policy requires it.');
    suppress(trail.bucket, inPacks('S3BucketReplicationEnabled', PACKS.slice(1)),
      'Cross-region replication needs a second bucket and key in another region, which the organization chooses (often its log archive account); the log files are versioned and validated by CloudTrail digests here.');
    if (trail.logGroup) {
      suppress(trail.trail, inPacks('IAMNoInlinePolicy', PACKS.slice(1)),
        'aws-cdk-lib\'s Trail writes its CloudWatch Logs delivery role\'s policy inline: logs:CreateLogStream and logs:PutLogEvents on this trail\'s log group only.');
    }
  }
  for (const [path, reason] of Object.entries(options.unrotatedSecrets ?? {})) {
    const secret = stack.node.findAll().find(c => c.node.path === path);
    if (!secret) throw new Error(`suppressRulesThatDoNotApply: no construct at ${path}`);
    suppress(secret, ['AwsSolutions-SMG4', ...inPacks('SecretsManagerRotationEnabled', ['NIST.800.53.R5', 'HIPAA.Security'])], reason);
  }
}
