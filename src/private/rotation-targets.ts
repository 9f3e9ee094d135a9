// How the rotation function reaches the library's databases: one security group per function, database stack and
// VPC, instead of a rule pair per database (see README, "Footprint per database").
import { createHash } from 'crypto';
import { RemovalPolicy, Stack, aws_ec2 as ec2, aws_rds as rds } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { keepWhileDatabaseKept } from './database';
import { namingPath, namingUniqueId, withStableRuleIds } from './naming-path';
import { findOrCreate } from './singleton';
import type { RotationFunction } from '../rotation-function';

/**
 * Lets `rotationFunction` into `instance` on `port` through the function's "rotation targets" group of the
 * instance's stack: the group is created once per function, stack and VPC; its only ingress is from the function's
 * security group, one rule per distinct port, and the function's egress to it is one rule per port too. Both rules
 * are written in the database's stack (aws-cdk-lib places the function's egress with its peer when the stacks
 * differ), so a function of a network stack serves databases of other stacks without a cyclic reference.
 *
 * Returns the group: a rotation schedule depends on it (and so on its rules), so the first rotation does not start
 * before the function can reach the database.
 *
 * The instance joins the group at the CloudFormation level (`VPCSecurityGroups`), not through `connections`:
 * `db.connections` keeps only the database's own group, so a user who opens one database to an app
 * (`allowDefaultPortFrom`) opens neither the targets group nor the other databases in it.
 */
export function joinRotationTargets(
  rotationFunction: RotationFunction, instance: rds.DatabaseInstance, vpc: ec2.IVpc, port: number, removalPolicy?: RemovalPolicy,
): ec2.SecurityGroup {
  const targets = rotationTargetsGroup(instance, rotationFunction, vpc);
  // CloudFormation could not delete a group that a retained instance still uses (as for the shared subnet group).
  keepWhileDatabaseKept(targets, removalPolicy);
  // Idempotent: aws-cdk-lib names each rule by its peer and port and creates it once.
  withStableRuleIds([...targets.connections.securityGroups, ...rotationFunction.connections.securityGroups], () =>
    targets.connections.allowFrom(rotationFunction, ec2.Port.tcp(port), ec2Description('Rotation function ', namingPath(rotationFunction), ' to its databases')));
  const cfn = instance.node.defaultChild as rds.CfnDBInstance;
  const groups = cfn.vpcSecurityGroups;
  if (!Array.isArray(groups)) {
    // aws-cdk-lib renders the instance's groups as a list; anything else cannot be extended safely.
    throw new Error(`cdk-protected-secrets: ${instance.node.path} has no list of VPC security groups to add the rotation targets group ${targets.node.path} to.`);
  }
  cfn.vpcSecurityGroups = [...groups, targets.securityGroupId];
  return targets;
}

/** The function's targets group in `scope`'s stack for `vpc`, created on first use at the stack's root. */
function rotationTargetsGroup(scope: Construct, rotationFunction: RotationFunction, vpc: ec2.IVpc): ec2.SecurityGroup {
  const stack = Stack.of(scope);
  // Functions that share a security group (the shared functions of a VPC) share their targets groups too.
  const owner = rotationFunction._networkOwner;
  const key = `${namingPath(owner)}|${namingUniqueId(vpc)}`;
  const id = `ProtectedSecretsRotationTargets${createHash('sha256').update(key).digest('hex').slice(0, 8).toUpperCase()}`;
  return findOrCreate(stack, id, ec2.SecurityGroup, (groupScope, groupId) => new ec2.SecurityGroup(groupScope, groupId, {
    vpc,
    description: ec2Description('Databases of this stack rotated by ', namingPath(owner), ': admits only that function, on their ports'),
    // A database needs no outbound rule of this group, and its members must not reach anything through it.
    allowAllOutbound: false,
  }));
}

/**
 * `prefix + path + suffix` as EC2 accepts a group's or a rule's description: at most 255 characters of a-z, A-Z, 0-9,
 * spaces and ._-:/()#,@[]+=;{}!$* (CloudFormation fails the create otherwise). A construct path may hold any other
 * character and be of any length: those characters become "_", and a long path keeps its end (the function's own id).
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
 * @see https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html
 */
export function ec2Description(prefix: string, path: string, suffix: string): string {
  const clean = path.replace(/[^a-zA-Z0-9 ._\-:/()#,@[\]+=;{}!$*]/g, '_');
  const room = 255 - prefix.length - suffix.length;
  return prefix + (clean.length <= room ? clean : `...${clean.slice(clean.length - room + 3)}`) + suffix;
}
