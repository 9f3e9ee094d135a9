import { Stack } from 'aws-cdk-lib';
import { hasGeneratedPart, literalPartsOf, possibleValues, templateTexts } from '../template-literals';
import { GuardRule } from './rule';

/**
 * A secret encrypted with the AWS managed key `aws/secretsmanager`, whose policy nobody can narrow: in its own Region
 * or in any Region it is replicated to.
 *
 * Secrets Manager uses `aws/secretsmanager` when `KmsKeyId` is left out, for the secret
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secret.html#cfn-secretsmanager-secret-kmskeyid)
 * and for each replica: "If you don't include this field, Secrets Manager uses aws/secretsmanager"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-secretsmanager-secret-replicaregion.html).
 * Naming it (`alias/aws/secretsmanager`, or an alias ARN ending in `:alias/aws/secretsmanager`) is the same key. So is a
 * key left out on one branch only (`Fn::If [cond, key, {Ref: AWS::NoValue}]`): `AWS::NoValue` removes the property
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html), and
 * "If you don't specify this value, then Secrets Manager uses the key aws/secretsmanager"
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html#SecretsManager-CreateSecret-request-KmsKeyId).
 */
export const secretWithoutCustomerManagedKey: GuardRule = {
  id: 'SecretWithoutCustomerManagedKey',
  resourceTypes: ['AWS::SecretsManager::Secret'],
  check: ({ node, properties }) => {
    const stack = Stack.of(node);
    const findings: string[] = [];
    if (mayBeAwsManagedKey(properties.KmsKeyId, stack)) {
      findings.push('the AWS managed key aws/secretsmanager encrypts the secret itself (KmsKeyId), on every deployment or on one branch '
        + 'of an Fn::If; give it a customer-managed key (ProtectedSecret does)');
    }
    const replicas = replicasWithAwsManagedKey(properties.ReplicaRegions, stack);
    if (replicas.length > 0) {
      findings.push(`the AWS managed key aws/secretsmanager encrypts its replica${replicas.length > 1 ? 's' : ''} in ${replicas.join(', ')} `
        + '(ReplicaRegions[].KmsKeyId); give each replica a customer-managed key of its Region (encryptionKey in replicaRegions, or addReplicaRegion(region, key))');
    }
    return findings.length === 0 ? undefined : `${findings.join('; ')}.`;
  },
};

/**
 * Whether one value the key can be deployed with is the AWS managed key: left out (`AWS::NoValue` included), empty, or
 * `aws/secretsmanager` by alias name or alias ARN. The values CloudFormation fills in (a partition, a region) are
 * blanks: aws-cdk-lib writes an alias imported by name as `Fn::Join ["", ["arn:", {Ref: AWS::Partition}, ":kms:...:alias/..."]]`,
 * and a template brought in with `CfnInclude` often as `Fn::Sub "arn:${AWS::Partition}:kms:...:alias/..."`.
 */
function mayBeAwsManagedKey(resolved: unknown, stack: Stack): boolean {
  return possibleValues(resolved).some(value => {
    if (value === undefined || value === null || value === '') return true;
    return templateTexts(value, stack).some(text => /(^|:)alias\/aws\/secretsmanager$/.test(literalPartsOf(text)));
  });
}

/** The Regions of replicas without a key of their own or with `aws/secretsmanager`. */
function replicasWithAwsManagedKey(resolved: unknown, stack: Stack): string[] {
  const replicas = possibleValues(resolved).flatMap(value => Array.isArray(value) ? value : []);
  return [...new Set(replicas
    .filter(replica => replica !== null && typeof replica === 'object' && mayBeAwsManagedKey(replica.KmsKeyId, stack))
    .map(replica => regionName(replica.Region, stack)))];
}

function regionName(region: unknown, stack: Stack): string {
  const texts = templateTexts(region, stack);
  return texts.length === 1 && !hasGeneratedPart(texts[0]) ? texts[0] : JSON.stringify(region);
}
