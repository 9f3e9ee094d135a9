import { Stack, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { GuardRule } from './rule';

/**
 * A secret encrypted with the AWS managed key `aws/secretsmanager`, whose policy nobody can narrow: in its own Region
 * or in any Region it is replicated to.
 *
 * Secrets Manager uses `aws/secretsmanager` when `KmsKeyId` is left out, for the secret
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html#cfn-secretsmanager-secret-kmskeyid)
 * and for each replica: "If you don't include this field, Secrets Manager uses aws/secretsmanager"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-secretsmanager-secret-replicaregion.html).
 * Naming it (`alias/aws/secretsmanager`, or an alias ARN ending in `:alias/aws/secretsmanager`) is the same key.
 */
export const secretWithoutCustomerManagedKey: GuardRule = {
  id: 'SecretWithoutCustomerManagedKey',
  check: node => {
    if (!(node instanceof secretsmanager.CfnSecret)) return undefined;
    const stack = Stack.of(node);
    const findings: string[] = [];
    if (isAwsManagedKey(stack.resolve(node.kmsKeyId))) {
      findings.push('the AWS managed key aws/secretsmanager encrypts the secret itself (KmsKeyId); give it a customer-managed key (ProtectedSecret does)');
    }
    const replicas = replicasWithAwsManagedKey(stack.resolve(node.replicaRegions));
    if (replicas.length > 0) {
      findings.push(`the AWS managed key aws/secretsmanager encrypts its replica${replicas.length > 1 ? 's' : ''} in ${replicas.join(', ')} `
        + '(ReplicaRegions[].KmsKeyId); give each replica a customer-managed key of its Region (encryptionKey in replicaRegions, or addReplicaRegion(region, key))');
    }
    return findings.length === 0 ? undefined : `${findings.join('; ')}.`;
  },
};

/** Leaving the key out, or naming `aws/secretsmanager` by alias name or alias ARN. */
function isAwsManagedKey(resolved: unknown): boolean {
  if (resolved === undefined || resolved === null || resolved === '') return true;
  const text = literalText(resolved);
  return text !== undefined && /(^|:)alias\/aws\/secretsmanager$/.test(text);
}

/**
 * The key as text, with the values CloudFormation fills in (a partition, a region) left as blanks: aws-cdk-lib writes
 * an alias imported by name as `Fn::Join ["", ["arn:", {Ref: AWS::Partition}, ":kms:<region>:<account>:alias/..."]]`,
 * and a template brought in with `CfnInclude` often as `Fn::Sub "arn:${AWS::Partition}:kms:...:alias/..."`.
 */
function literalText(resolved: unknown): string | undefined {
  if (typeof resolved === 'string') return resolved;
  const sub = (resolved as any)?.['Fn::Sub'];
  if (typeof sub === 'string' || (Array.isArray(sub) && typeof sub[0] === 'string')) {
    return (typeof sub === 'string' ? sub : sub[0] as string).replace(/\$\{(?!!)[^}]*\}/g, '');
  }
  const join = (resolved as any)?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return (join[1] as unknown[]).map(part => typeof part === 'string' ? part : '').join(join[0]);
  }
  return undefined;
}

/** The Regions of replicas without a key of their own or with `aws/secretsmanager`. */
function replicasWithAwsManagedKey(resolved: unknown): string[] {
  if (!Array.isArray(resolved)) return [];
  return resolved
    .filter(replica => replica !== null && typeof replica === 'object' && isAwsManagedKey(replica.KmsKeyId ?? replica.kmsKeyId))
    .map(replica => String(literalText(replica.Region ?? replica.region) ?? JSON.stringify(replica.Region ?? replica.region)));
}
