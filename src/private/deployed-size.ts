import { RegionInfo } from 'aws-cdk-lib/region-info';

/** The length of the longest region code aws-cdk-lib knows, at least 15 (us-isof-south-1) with an older one. */
export const LONGEST_REGION = Math.max(15, ...RegionInfo.regions.map(region => region.name.length));

/** The start of an ARN of `service` at its longest: partition aws-us-gov, the longest region, an account, and a colon. */
export function longestArnPrefix(service: string): string {
  return `arn:aws-us-gov:${service}:${'x'.repeat(LONGEST_REGION)}:${'x'.repeat(12)}:`;
}

/**
 * A resolved CloudFormation value at the longest CloudFormation can make it when it deploys: a partition of 10
 * characters (aws-us-gov), a region as long as the longest aws-cdk-lib knows (LONGEST_REGION), an account of 12, the longest URL suffix; `reference` stands in for any
 * other `Ref` (given its logical ID) and, called without one, for any other intrinsic (an attribute, an import).
 * For checks of AWS's size limits at synth: an event pattern's 2,048 characters, an IAM policy's quotas.
 */
export function longestDeployed(value: unknown, reference: (logicalId?: string) => string): any {
  const longest = (v: any): any => {
    if (Array.isArray(v)) return v.map(longest);
    if (v && typeof v === 'object') {
      if (v.Ref === 'AWS::Partition') return 'aws-us-gov';
      if (v.Ref === 'AWS::Region') return 'x'.repeat(LONGEST_REGION);
      if (v.Ref === 'AWS::AccountId') return 'x'.repeat(12);
      if (v.Ref === 'AWS::URLSuffix') return 'amazonaws.com.cn';
      if (typeof v.Ref === 'string') return reference(v.Ref);
      if (v['Fn::Join']) return v['Fn::Join'][1].map(longest).join(v['Fn::Join'][0]);
      if (v['Fn::Split']) return String(longest(v['Fn::Split'][1])).split(v['Fn::Split'][0]);
      if (v['Fn::Select']) {
        const parts = longest(v['Fn::Select'][1]);
        return Array.isArray(parts) ? parts[v['Fn::Select'][0]] ?? '' : parts;
      }
      if (Object.keys(v).some(key => key.startsWith('Fn::') || key === 'Ref')) return reference();
      return Object.fromEntries(Object.entries(v).map(([key, inner]) => [key, longest(inner)]));
    }
    return v;
  };
  return longest(value);
}

/**
 * A principal the template names by an intrinsic (a role of this app, `Fn::GetAtt`; one of another stack,
 * `Fn::ImportValue`) at its longest once deployed: a role ARN in the longest partition whose name has IAM's maximum
 * of 64 characters (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length).
 * In the template such a reader takes about 40 characters, a third of what KMS receives. A role with a `path` (up to
 * 512 characters) is longer by its path; counting every reader at that length would warn from a few dozen readers.
 */
export const LONGEST_ROLE_ARN = `arn:aws-us-gov:iam::${'0'.repeat(12)}:role/${'x'.repeat(64)}`;
