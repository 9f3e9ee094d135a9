import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The names of each app that must be unique in an account and Region, keyed by prop, account, region and name, with the path that claimed each. */
const claimedNames = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Claims `name` (the value of `prop`, naming a `what`) for `scope` in its account and region, and says who already
 * holds it. Two resources of one app with the same such name collide at deploy time (the second create fails), often
 * in another stack deployed later; the check is app-wide so the collision shows at synth. A token is left to deploy time.
 */
export function duplicateNameError(scope: IConstruct, prop: string, what: string, name: string | undefined): string | undefined {
  if (name === undefined || Token.isUnresolved(name)) return undefined;
  const stack = Stack.of(scope);
  const root = scope.node.root;
  const names = claimedNames.get(root) ?? new Map<string, string>();
  claimedNames.set(root, names);
  // An environment-agnostic stack's account and region are the same pseudo-parameter tokens in every stack,
  // so two agnostic stacks count as one environment, which they are when deployed with the same credentials.
  const key = JSON.stringify([prop, stack.account, stack.region, name]);
  const holder = names.get(key);
  if (holder !== undefined && holder !== scope.node.path) {
    const where = Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)
      ? 'the same environment'
      : `account ${stack.account}, region ${stack.region}`;
    return `\`${prop}\` "${name}" is already used by ${holder} in ${where}; give each ${what} its own name.`;
  }
  names.set(key, scope.node.path);
  return undefined;
}
