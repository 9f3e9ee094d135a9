import { Stack, Token, TokenComparison, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { defaultDatabaseSubnets } from './database';
import { hasPublicSubnet } from './subnet-selection';

/**
 * What is wrong with where a database would go. Checked before anything is built, so a missing `vpc` (from
 * JavaScript, where the type checker does not help) or a VPC without private subnets is reported against
 * our props rather than as a TypeError or an aws-cdk-lib message that names neither prop.
 */
export function databaseNetworkErrors(scope: Construct, props: { vpc?: ec2.IVpc; vpcSubnets?: ec2.SubnetSelection }): string[] {
  const vpc = props.vpc;
  if (!vpc) return ['`vpc` is required: pass the VPC the database and its rotation function go in (e.g. `ec2.Vpc.fromLookup(...)`).'];
  const environmentError = otherEnvironmentError(scope, vpc);
  if (environmentError) return [environmentError];
  if (props.vpcSubnets) {
    let selected: ec2.SelectedSubnets;
    try {
      selected = vpc.selectSubnets(props.vpcSubnets);
    } catch (e) {
      return [`\`vpcSubnets\` selects nothing in \`vpc\` ${vpc.node.path}: ${(e as Error).message}; select its isolated or private subnets.`];
    }
    if (selected.subnetIds.length === 0) {
      return [`\`vpcSubnets\` selects no subnet of \`vpc\` ${vpc.node.path}; select its isolated or private subnets (check the zones and group names it names).`];
    }
    // By subnet ID too: a subnet given by ID (ec2.Subnet.fromSubnetId) is another object than the VPC's own.
    if (hasPublicSubnet(vpc, selected)) {
      return ['`vpcSubnets` selects public subnets, whose route table leads to the internet; select isolated or private subnets (`ec2.SubnetType.PRIVATE_ISOLATED`).'];
    }
    return availabilityZoneErrors(vpc, selected, '`vpcSubnets` selects subnets');
  }
  if (vpc.isolatedSubnets.length === 0 && vpc.privateSubnets.length === 0) {
    return [`\`vpc\` has only public subnets (${vpc.node.path}); the database and its rotation function need isolated or private subnets: `
      + 'add a `PRIVATE_ISOLATED` subnet group to the VPC, or pass `vpcSubnets` that select private subnets.'];
  }
  return availabilityZoneErrors(vpc, vpc.selectSubnets(defaultDatabaseSubnets(vpc)), 'the database\'s subnets are all');
}

/**
 * What is wrong with the subnets `rotationFunctionSubnets` selects, when the VPC's subnets are known: aws-cdk-lib's
 * lambda.Function refuses public subnets, however the selection names them (`subnetType`, `subnetGroupName`, the
 * subnets themselves), with "Lambda Functions in a public subnet can NOT access the internet", which names neither this
 * prop nor the construct. A function there gets no public IP, so a public subnet gives it nothing.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
 */
export function rotationFunctionSubnetErrors(vpc: ec2.IVpc, selection: ec2.SubnetSelection): string[] {
  let selected: ec2.SelectedSubnets;
  try {
    selected = vpc.selectSubnets(selection);
  } catch (e) {
    return [`\`rotationFunctionSubnets\` selects nothing in \`vpc\` ${vpc.node.path}: ${(e as Error).message}; select its private or isolated subnets.`];
  }
  if (!hasPublicSubnet(vpc, selected)) return [];
  return ['`rotationFunctionSubnets` selects public subnets: a Lambda function there gets no public IP, so it reaches neither the internet nor '
    + 'anything else a public subnet offers; select private or isolated subnets (e.g. `{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }`).'];
}

/**
 * A VPC is in one account and region, and so are the database placed in it and the rotation function that shares its
 * stack. Compared when both are known at synth (an environment-agnostic stack compares as unknown).
 */
function otherEnvironmentError(scope: Construct, vpc: ec2.IVpc): string | undefined {
  const vpcStack = Stack.of(vpc);
  const stack = Stack.of(scope);
  for (const part of ['account', 'region'] as const) {
    if (Token.compareStrings(vpcStack[part], stack[part]) === TokenComparison.DIFFERENT) {
      return `\`vpc\` ${vpc.node.path} is in ${part} ${vpcStack[part]}, but the database's stack ${stack.stackName} is in ${part} ${stack[part]}: `
        + 'a database goes in a VPC of its own account and region. Create the database in a stack of that environment, or give it a VPC of its own.';
    }
  }
  return undefined;
}

/**
 * RDS refuses a DB subnet group in one Availability Zone of a Region that has more: "DB subnet groups must contain at
 * least one subnet in at least two AZs in the AWS Region" (DBSubnetGroupDoesNotCoverEnoughAZs), so the deployment
 * would fail. Checked only when the zones are known at synth (a VPC of this app, or one looked up or imported with
 * its zones; not subnets imported by ID alone) and the Region is known to have two or more.
 * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html
 */
function availabilityZoneErrors(vpc: ec2.IVpc, selected: ec2.SelectedSubnets, what: string): string[] {
  let zones: string[];
  try {
    zones = selected.availabilityZones;
  } catch {
    // A subnet imported without its zone (Subnet.fromSubnetId): the zones are not known here, and RDS checks them.
    return [];
  }
  if (zones.length === 0 || zones.some(zone => Token.isUnresolved(zone))) return [];
  const regionZones = Stack.of(vpc).availabilityZones;
  if (regionZones.length < 2 || regionZones.some(zone => Token.isUnresolved(zone))) return [];
  const distinct = [...new Set(zones)];
  if (distinct.length >= 2) return [];
  return [`${what} in one Availability Zone (${distinct[0]}) of \`vpc\` ${vpc.node.path}; RDS refuses a DB subnet group that does not cover at least two `
    + '(DBSubnetGroupDoesNotCoverEnoughAZs, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html), so the deployment would fail. '
    + 'Give the VPC a second zone (`maxAzs: 2`) or select subnets in two zones.'];
}
