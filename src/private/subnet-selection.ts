import { Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { namingUniqueId } from './naming-path';

/**
 * What names a resource the databases of a VPC share (their DB subnet group, the rotation function): the VPC and the
 * subnet selection as written, not the subnets it selects today. Those change when the VPC gains a zone or a subnet,
 * or is looked up again; a shared DB subnet group named by them would then be a new group, and DBSubnetGroupName is
 * a property CloudFormation changes by REPLACING the instance (an empty new database), where the group's own
 * SubnetIds change in place
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbinstance.html, "Updating DB
 * instances"; https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbsubnet-group.html,
 * SubnetIds: "Update requires: No interruption"). Subnets listed by the user are named by their IDs: that list is
 * the selection.
 */
export function subnetSelectionKey(vpc: ec2.IVpc, selection: ec2.SubnetSelection): string {
  const stack = Stack.of(vpc);
  return JSON.stringify([
    namingUniqueId(vpc),
    selection.subnetType ?? null,
    selection.subnetGroupName ?? null,
    selection.availabilityZones ? [...selection.availabilityZones].sort() : null,
    selection.onePerAz ?? null,
    selection.subnets ? stack.resolve(selection.subnets.map(subnet => subnet.subnetId)) : null,
    // Filters are objects of aws-cdk-lib's SubnetFilter classes: their class and fields say what they select.
    selection.subnetFilters ? stack.resolve(selection.subnetFilters.map(filter => [filter.constructor.name, { ...filter }])) : null,
  ]);
}

/**
 * Whether `selection` selects public subnets of `vpc`: judged by the subnets it selects (whether named by type, group
 * name or the subnets themselves) when the VPC knows them, else by its `subnetType`.
 */
export function selectsPublicSubnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection): boolean {
  try {
    return hasPublicSubnet(vpc, vpc.selectSubnets(selection));
  } catch {
    // Nothing selected (e.g. an unknown group name): aws-cdk-lib reports that when the function is placed.
    return selection.subnetType === ec2.SubnetType.PUBLIC;
  }
}

/**
 * Whether `selected` holds a public subnet of `vpc`, by subnet ID as aws-cdk-lib's Function compares them: a subnet
 * given by ID (`ec2.Subnet.fromSubnetId`) is another object than the VPC's own, so `hasPublic` misses it.
 */
export function hasPublicSubnet(vpc: ec2.IVpc, selected: ec2.SelectedSubnets): boolean {
  if (selected.hasPublic) return true;
  const publicIds = new Set(vpc.publicSubnets.map(subnet => subnet.subnetId));
  return selected.subnetIds.some(id => publicIds.has(id));
}
