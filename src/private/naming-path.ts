import { Names, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

/**
 * The context key that names the library's shared resources (the DB subnet group and the rotation function of a VPC,
 * its endpoints and targets group) by the stack's name and the path below the stack, as aws-cdk-lib's own logical IDs
 * are, instead of by the full construct path, which holds the ids of every `Stage` and of the stack itself.
 *
 * Without it, moving a stack into a `Stage` (as CDK Pipelines needs) or renaming the stack's construct id, each with
 * `stackName` kept, leaves aws-cdk-lib's resources as they are but gives the shared DB subnet group a new logical ID:
 * the database's DBSubnetGroupName changes, which CloudFormation carries out by REPLACING the instance (an empty new
 * database) or, for a named cluster, by failing the update
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbinstance.html, DBSubnetGroupName:
 * "Update requires: Replacement"). Off by default: for a stack at the app's root whose name is its construct id (the
 * default) both namings are the same, but for a stack already deployed inside a `Stage` or under another name they
 * differ, and switching there would replace its databases once. cdk.json:
 * `"context": { "cdk-protected-secrets:stackRelativeNames": true }`.
 */
export const STACK_RELATIVE_NAMES_CONTEXT = 'cdk-protected-secrets:stackRelativeNames';

function stackRelativeNames(scope: IConstruct): boolean {
  const value = scope.node.tryGetContext(STACK_RELATIVE_NAMES_CONTEXT);
  return value === true || value === 'true';
}

/** The stack a construct's resources are written into at the top: a nested stack's parent, up to a real stack. */
export function topStack(scope: IConstruct): Stack {
  let stack = Stack.of(scope);
  while (stack.nestedStackParent) stack = stack.nestedStackParent;
  return stack;
}

/**
 * The ids that name `scope` among the library's shared resources: the ids of its construct path, or, with
 * STACK_RELATIVE_NAMES_CONTEXT, the top stack's `stackName` followed by the ids below that stack. For a stack at the
 * app's root named by its id the two are the same list.
 */
function namingIds(scope: IConstruct): string[] {
  const ids = scope.node.scopes.slice(1).map(c => c.node.id);
  if (!stackRelativeNames(scope)) return ids;
  const stack = topStack(scope);
  const below = scope.node.scopes.slice(scope.node.scopes.indexOf(stack) + 1).map(c => c.node.id);
  return [stack.stackName, ...below];
}

/** `scope`'s construct path as the library names shared resources by it (see STACK_RELATIVE_NAMES_CONTEXT). */
export function namingPath(scope: IConstruct): string {
  return namingIds(scope).join('/');
}

/**
 * `Names.nodeUniqueId(scope.node)` as the library names shared resources by it: the same value unless
 * STACK_RELATIVE_NAMES_CONTEXT is on, and then computed by aws-cdk-lib from the stack's name and the ids below it
 * (a detached tree of those ids), so a root stack named by its id keeps every ID it had.
 */
export function namingUniqueId(scope: IConstruct): string {
  if (!stackRelativeNames(scope)) return Names.nodeUniqueId(scope.node);
  return uniqueIdOf(namingIds(scope));
}

/** What aws-cdk-lib's `makeUniqueId` makes of `ids` (as `Names.nodeUniqueId` and a stack's logical IDs use it). */
function uniqueIdOf(ids: string[]): string {
  let node: Construct = new Construct(undefined as any, '');
  for (const id of ids) node = new Construct(node, id);
  return Names.nodeUniqueId(node.node);
}

/**
 * Runs `connect` (a `connections.allowFrom`/`allowTo` between `groups`) and, with STACK_RELATIVE_NAMES_CONTEXT,
 * renames the rules it writes as the groups' naming IDs would name them. aws-cdk-lib writes a rule between two
 * security groups as a resource of its own, under an id that holds the other group's `uniqueId` (its full construct
 * path), so a move into a Stage would give the function's rules new logical IDs: CloudFormation would create an
 * identical rule beside the old one and then delete the old one. The rules keep aws-cdk-lib's placement and
 * properties; only their logical IDs change, and for a stack at the app's root named by its id not even those.
 */
export function withStableRuleIds(groups: ec2.ISecurityGroup[], connect: () => void): void {
  const before = new Map(groups.map(group => [group, new Set(group.node.children)]));
  connect();
  if (groups.length === 0 || !stackRelativeNames(groups[0])) return;
  const renames = groups.map(group => [group.uniqueId, namingUniqueId(group)]).filter(([from, to]) => from !== to);
  if (renames.length === 0) return;
  for (const group of groups) {
    for (const child of group.node.children) {
      if (before.get(group)!.has(child)) continue;
      if (!(child instanceof ec2.CfnSecurityGroupIngress || child instanceof ec2.CfnSecurityGroupEgress)) continue;
      const id = renames.reduce((text, [from, to]) => text.split(from).join(to), child.node.id);
      if (id === child.node.id) continue;
      // The logical ID aws-cdk-lib gives a resource: makeUniqueId of its path below its stack.
      const stack = Stack.of(child);
      const below = group.node.scopes.slice(group.node.scopes.indexOf(stack) + 1).map(c => c.node.id);
      child.overrideLogicalId(uniqueIdOf([...below, id]));
    }
  }
}
