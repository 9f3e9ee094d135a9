import { Stack, Token, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { GuardRule } from './rule';

/** A secret resource policy that allows `*` without a condition. */
export const secretPolicyAllowsEveryone: GuardRule = {
  id: 'SecretPolicyAllowsEveryone',
  check: node => node instanceof secretsmanager.CfnResourcePolicy && allowsEveryone(Stack.of(node).resolve(node.resourcePolicy))
    ? 'the secret\'s resource policy allows Principal "*" without a condition; name the principals.'
    : undefined,
};

function allowsEveryone(policy: any): boolean {
  const document = typeof policy === 'string' && !Token.isUnresolved(policy) ? JSON.parse(policy) : policy;
  const statements: any[] = [].concat(document?.Statement ?? []);
  return statements.some(s => s.Effect === 'Allow' && !s.Condition && isEveryone(s.Principal));
}

function isEveryone(principal: any): boolean {
  if (principal === '*') return true;
  const aws = principal?.AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}
