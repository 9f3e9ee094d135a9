// What the database constructs share.
import { Stack, aws_ec2 as ec2, aws_iam as iam, aws_kms as kms } from 'aws-cdk-lib';

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
