import { aws_ec2 as ec2 } from 'aws-cdk-lib';

/**
 * What is wrong with where a database would go. Checked before anything is built, so a missing `vpc` (from
 * JavaScript, where the type checker does not help) or a VPC without private subnets is reported against
 * our props rather than as a TypeError or an aws-cdk-lib message that names neither prop.
 */
export function databaseNetworkErrors(props: { vpc?: ec2.IVpc; vpcSubnets?: ec2.SubnetSelection }): string[] {
  const vpc = props.vpc;
  if (!vpc) return ['`vpc` is required: pass the VPC the database and its rotation function go in (e.g. `ec2.Vpc.fromLookup(...)`).'];
  if (props.vpcSubnets) {
    let selected: ec2.SelectedSubnets;
    try {
      selected = vpc.selectSubnets(props.vpcSubnets);
    } catch (e) {
      return [`\`vpcSubnets\` selects nothing in \`vpc\` ${vpc.node.path}: ${(e as Error).message}; select its isolated or private subnets.`];
    }
    if (selected.hasPublic) {
      return ['`vpcSubnets` selects public subnets, whose route table leads to the internet; select isolated or private subnets (`ec2.SubnetType.PRIVATE_ISOLATED`).'];
    }
    return [];
  }
  if (vpc.isolatedSubnets.length === 0 && vpc.privateSubnets.length === 0) {
    return [`\`vpc\` has only public subnets (${vpc.node.path}); the database and its rotation function need isolated or private subnets: `
      + 'add a `PRIVATE_ISOLATED` subnet group to the VPC, or pass `vpcSubnets` that select private subnets.'];
  }
  return [];
}
