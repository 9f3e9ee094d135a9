import { Aws, DefaultStackSynthesizer, Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { topStack } from './naming-path';

/**
 * The ARN of the role CloudFormation deploys `scope`'s stack as: the `DefaultStackSynthesizer`'s CloudFormation
 * execution role, of the root stack (a nested stack is deployed by its root stack's role); undefined with another
 * synthesizer, which names none. CloudFormation makes every resource operation with a forward access session of that
 * principal, so Secrets Manager sees its ARN in `aws:PrincipalArn`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/fas-requests-and-permission-evaluation.html): the
 * principal a resource policy's deny must exempt for the stack's updates of the resource.
 */
export function cloudFormationExecutionRoleArn(scope: IConstruct): string | undefined {
  const synthesizer = topStack(scope).synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) return undefined;
  // The synthesizer leaves placeholders the CLI fills in (the partition always, account and region in an
  // environment-agnostic stack); a policy needs the pseudo parameters.
  const placeholders: Record<string, string> = { '${AWS::Partition}': Aws.PARTITION, '${AWS::AccountId}': Aws.ACCOUNT_ID, '${AWS::Region}': Aws.REGION };
  return Object.entries(placeholders)
    .reduce((arn, [placeholder, value]) => arn.split(placeholder).join(value), synthesizer.cloudFormationExecutionRoleArn);
}

/**
 * Why `principals` cannot be exempted by ARN as the roles or users CloudFormation acts as when they deploy, one
 * message per principal: a whole account (whose roles and users an exemption by `aws:PrincipalArn` would not name), a
 * "*" principal, or a principal that is neither (a service, federated or canonical-user principal, never a deployer).
 */
export function deployRoleErrors(principals: readonly iam.IPrincipal[] | undefined): string[] {
  return (principals ?? []).flatMap(principal => {
    // The checks a secret's `deployRoles` get (ProtectedSecret's exempt): a group's members call with their own ARN,
    // and a group has no policy fragment.
    const group = '`deployRoles` contains an IAM group; its members deploy with their own ARNs: name the users, or a role they assume.';
    if (principal instanceof iam.Group || (principal as Partial<iam.IGroup>).groupArn !== undefined) return [group];
    const arns = principal.policyFragment.principalJson.AWS ?? [];
    // aws:PrincipalArn of a request made with a role session is the role's ARN, not the session's:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
    const session = arns.find(arn => !Token.isUnresolved(arn) && /^arn:[^:]+:sts::\d{12}:assumed-role\//.test(arn));
    if (session) {
      return [`\`deployRoles\` contains the role session ${session}, which never matches aws:PrincipalArn (for a role session, the role's ARN): pass the role.`];
    }
    if (arns.some(arn => !Token.isUnresolved(arn) && arn.includes(':group/'))) return [group];
    if (arns.length > 0 && Object.keys(principal.policyFragment.conditions).length > 0) {
      return ['`deployRoles` contains a principal with conditions, which the exemption (by aws:PrincipalArn) cannot carry: pass the plain role or user.'];
    }
    const account = principal instanceof iam.AccountPrincipal ? String(principal.accountId)
      : arns.find(arn => !Token.isUnresolved(arn) && (/^\d{12}$/.test(arn) || /^arn:[^:]+:iam::\d{12}:root$/.test(arn)));
    if (account !== undefined) {
      return [`\`deployRoles\` contains the account ${Token.isUnresolved(account) ? 'of the stack' : account.replace(/^arn:[^:]+:iam::(\d{12}):root$/, '$1')}; `
        + 'name the roles or users that deploy, not the whole account.'];
    }
    if (arns.includes('*')) return ['`deployRoles` contains AnyPrincipal (or another "*" principal); name the roles or users that deploy.'];
    if (arns.length === 0) {
      return ['`deployRoles` contains a principal that is not a role or user (a service, federated or canonical-user principal): '
        + 'CloudFormation acts as the role or user that deploys, so name that one.'];
    }
    return [];
  });
}

/**
 * The ARNs of deployers as a policy in `scope`'s stack can name them (`named`), and the principals it cannot
 * (`unnamed`): a role created in another stack of the app is named by a reference to that stack, and where that stack
 * already references `scope`'s (a database's stack and the rotation function's in the VPC's stack) the two would
 * reference each other, which CloudFormation cannot deploy. An ARN written out (`iam.Role.fromRoleArn`) is named
 * from any stack.
 */
export function deployerArnsIn(scope: IConstruct, principals: readonly iam.IPrincipal[]): { named: string[]; unnamed: IConstruct[] } {
  const stack = Stack.of(scope);
  const named: string[] = [];
  const unnamed: IConstruct[] = [];
  for (const principal of principals) {
    const arns = principal.policyFragment.principalJson.AWS ?? [];
    if (Construct.isConstruct(principal) && Stack.of(principal) !== stack && arns.some(arn => Token.isUnresolved(arn))) unnamed.push(principal);
    else named.push(...arns);
  }
  return { named, unnamed };
}
