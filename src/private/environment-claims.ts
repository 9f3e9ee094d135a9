import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Who claimed a name: the construct's path and the prop that named it. */
interface Holder {
  readonly path: string;
  readonly prop: string;
}

/** The names claimed in each app, keyed by namespace, account, region and name. */
const claims = new WeakMap<IConstruct, Map<string, Holder>>();

/**
 * Claims `name` in `namespace` (e.g. secret names, KMS aliases, SSM parameter names) for the construct at `path`, in
 * the account and region of `scope`'s stack, and says who already holds it. Two resources of one app with the same
 * name collide at deploy time (the second create fails), often in another stack deployed later; the check is app-wide
 * so the collision shows at synth. `prop` is how the claimant names the value (`keyAlias`, `alias`), so a message
 * between two constructs names each one's own prop. Returns the message for the later claimant, ending in `fix`.
 */
export function duplicateInEnvironmentError(
  scope: IConstruct, path: string, namespace: string, name: string | undefined, prop: string, fix: string,
): string | undefined {
  if (name === undefined || Token.isUnresolved(name)) return undefined;
  const stack = Stack.of(scope);
  // An environment-agnostic stack's account and region are resolved at deploy, from the deploying credentials
  // (https://docs.aws.amazon.com/cdk/v2/guide/environments.html): two such stacks (a Dev and a Prod stage) may go to
  // different accounts, where the same name is fine, so only stacks whose environment is known are compared.
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) return undefined;
  const root = scope.node.root;
  const names = claims.get(root) ?? new Map<string, Holder>();
  claims.set(root, names);
  const key = JSON.stringify([namespace, stack.account, stack.region, name]);
  const holder = names.get(key);
  if (holder !== undefined && holder.path !== path) {
    const where = `account ${stack.account}, region ${stack.region}`;
    const its = holder.prop === prop ? '' : ` (its \`${holder.prop}\`)`;
    return `\`${prop}\` "${name}" is already used by ${holder.path}${its} in ${where}; ${fix}`;
  }
  names.set(key, { path, prop });
  return undefined;
}
