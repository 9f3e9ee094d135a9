// What the database constructs share.
import { Duration, Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { findOrCreate } from './singleton';

/** The secret's key is usable only through Secrets Manager; storage encryption also needs RDS to use it. */
export function allowRdsToUseKey(key: kms.IKey): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowUseThroughRdsForStorageEncryption',
    principals: [new iam.AccountRootPrincipal()],
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:ListGrants', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: {
      StringEquals: { 'kms:ViaService': `rds.${stack.region}.amazonaws.com`, 'kms:CallerAccount': stack.account },
    },
  }));
}

/** Where a database goes by default: the VPC's isolated subnets, or its private subnets with egress. */
export function defaultDatabaseSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return { subnetType: vpc.isolatedSubnets.length > 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS };
}

/** Connections, DDL and failed statements; never DCL, where password changes would be written out. */
export const AUDIT_EVENTS = 'CONNECT,QUERY_DDL';

/** The Enhanced Monitoring props of an RDS instance or cluster. */
export interface EnhancedMonitoring {
  readonly monitoringInterval?: Duration;
  readonly monitoringRole?: iam.IRole;
}

/**
 * Enhanced Monitoring settings for an instance or cluster: every 60 seconds by default, with one monitoring
 * role per stack shared by all databases; an interval of 0 switches it off.
 */
export function enhancedMonitoring(scope: Construct, interval: Duration = Duration.seconds(60)): EnhancedMonitoring {
  if (interval.toSeconds() === 0) return {};
  const stack = Stack.of(scope);
  const id = 'ProtectedSecretsRdsMonitoringRole';
  const role = findOrCreate(stack, id, iam.Role, (roleScope, roleId) => new iam.Role(roleScope, roleId, {
    assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
    description: 'RDS Enhanced Monitoring: writes OS metrics to the RDSOSMetrics log group',
    // The policy RDS documents for this role; it allows writing to RDS's own log groups only.
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole')],
  }));
  return { monitoringInterval: interval, monitoringRole: role };
}

/** What is wrong with the props both database constructs share, one message per prop. */
export function databasePropErrors(props: { backupRetention?: Duration; monitoringInterval?: Duration }): string[] {
  const errors: string[] = [];
  const backups = props.backupRetention;
  if (backups && !backups.isUnresolved() && (backups.toDays() < 1 || backups.toDays() > 35)) {
    errors.push(`\`backupRetention\` must be between 1 and 35 days, got ${backups.toHumanString()}.`);
  }
  const seconds = props.monitoringInterval?.isUnresolved() ? undefined : props.monitoringInterval?.toSeconds();
  if (seconds !== undefined && ![0, 1, 5, 10, 15, 30, 60].includes(seconds)) {
    errors.push(`\`monitoringInterval\` must be 0 (off), 1, 5, 10, 15, 30 or 60 seconds, got ${seconds}.`);
  }
  return errors;
}
