import { Token } from 'aws-cdk-lib';
import { GuardRule } from './rule';

/**
 * A secret resource policy that allows `*` without a condition on who calls. A condition on anything else (TLS,
 * a source IP range, the time) still lets every AWS account in, so it does not count.
 */
export const secretPolicyAllowsEveryone: GuardRule = {
  id: 'SecretPolicyAllowsEveryone',
  resourceTypes: ['AWS::SecretsManager::ResourcePolicy'],
  check: ({ properties }) => allowsEveryone(properties.ResourcePolicy)
    ? 'the secret\'s resource policy (ResourcePolicy) allows Principal "*" without a condition that narrows who calls; name the principals, '
      + `or add a condition such as StringEquals on aws:PrincipalAccount or aws:PrincipalOrgID (keys that narrow: ${IDENTITY_KEYS_LIST}).`
    : undefined,
};

/**
 * Global condition keys that describe the caller (its account, organization, ARN, unique user ID) or where its request
 * comes from (the calling service's account or resource, a VPC or VPC endpoint), so that an equality on them narrows
 * `*` to someone: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html. Not
 * `aws:username`: a user's name is unique within its account only ("Names of users, groups, roles, and instance
 * profiles must be unique within the account": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html),
 * so the same name in every other account matches too. `aws:SourceOwner`
 * is not on that page (aws:SourceAccount replaced it) but Amazon SNS and S3 still write it into their own policies.
 * Key names are compared in lower case: "Context key names are not case-sensitive"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html).
 */
const IDENTITY_KEYS = [
  'aws:PrincipalAccount', 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths', 'aws:PrincipalArn', 'aws:userid',
  'aws:SourceAccount', 'aws:SourceArn', 'aws:SourceOrgID', 'aws:SourceOwner', 'aws:SourceVpc', 'aws:SourceVpce',
];
const IDENTITY_KEYS_LIST = IDENTITY_KEYS.join(', ');
const IDENTITY_KEY_SET = new Set(IDENTITY_KEYS.map(k => k.toLowerCase()));

/**
 * Of `IDENTITY_KEYS`, those IAM calls sensitive: "The use of wildcards in these condition keys does not have any valid use
 * cases, even with a substring of the key value with a wildcard. This is because the wildcard might match the condition key
 * to any value, which could pose a security risk"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sensitive).
 * So `StringLike aws:PrincipalOrgID "o-*"` names every organization. Not in that list, and keeping their wildcards: the
 * paths of aws:PrincipalArn and aws:PrincipalOrgPaths (a role path, an organizational unit and those under it).
 */
const SENSITIVE_KEY_SET = new Set(['aws:PrincipalAccount', 'aws:PrincipalOrgID', 'aws:SourceAccount', 'aws:SourceOrgID', 'aws:SourceVpc', 'aws:SourceVpce']
  .map(k => k.toLowerCase()));

/**
 * Operators that match only the values named, for a key present in the request. Left out on purpose: the negated
 * operators (StringNotEquals, ArnNotLike, ...), true for every caller but those named, and true when the key is absent
 * ("If the policy condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and the right
 * key is not present, the condition is true"); the `...IfExists` forms, true when the key is absent
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists);
 * and `ForAllValues:`, also true when the request carries no such key
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
 */
const NARROWING_OPERATORS = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike']);

function allowsEveryone(policy: any): boolean {
  const document = typeof policy === 'string' && !Token.isUnresolved(policy) ? JSON.parse(policy) : policy;
  const statements: any[] = [].concat(document?.Statement ?? []);
  return statements.some(s => s.Effect === 'Allow' && isEveryone(s.Principal) && !narrowsCaller(s.Condition));
}

function isEveryone(principal: any): boolean {
  if (principal === '*') return true;
  const aws = principal?.AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}

/** Condition blocks are ANDed, so one block that names the caller narrows the statement. */
function narrowsCaller(condition: any): boolean {
  if (condition === null || typeof condition !== 'object') return false;
  return Object.entries(condition).some(([operator, keys]) => {
    if (!NARROWING_OPERATORS.has(operator.replace(/^ForAnyValue:/, '')) || keys === null || typeof keys !== 'object') return false;
    return Object.entries(keys as object).some(([key, values]) => IDENTITY_KEY_SET.has(key.toLowerCase()) && namesSomeone(key, values));
  });
}

/**
 * The values of one key are ORed, so every one must name someone. A value of wildcards only matches any caller, and so
 * does an ARN whose account is a wildcard (any account can create a role of that name); IAM's page on global keys counts
 * wildcards in the principal's keys as having no valid use. Values CloudFormation fills in (a Ref to the account) are
 * specific. A sensitive key (`SENSITIVE_KEY_SET`) names no one with a wildcard anywhere in its value.
 */
function namesSomeone(key: string, values: unknown): boolean {
  const list: unknown[] = [].concat(values as any);
  const sensitive = SENSITIVE_KEY_SET.has(key.toLowerCase());
  return list.length > 0 && list.every(value => typeof value !== 'string'
    || (!/^[*?]*$/.test(value) && !hasWildcardAccount(value) && !(sensitive && /[*?]/.test(value))));
}

function hasWildcardAccount(value: string): boolean {
  const account = value.startsWith('arn:') ? value.split(':')[4] : undefined;
  return account !== undefined && /[*?]/.test(account);
}
