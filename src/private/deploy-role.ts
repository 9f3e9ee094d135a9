import { Aws, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The ARN of the role CloudFormation deploys `scope`'s stack as: the `DefaultStackSynthesizer`'s CloudFormation
 * execution role, of the root stack (a nested stack is deployed by its root stack's role); undefined with another
 * synthesizer, which names none. CloudFormation makes every resource operation with a forward access session of that
 * principal, so Secrets Manager sees its ARN in `aws:PrincipalArn`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/fas-requests-and-permission-evaluation.html): the
 * principal a resource policy's deny must exempt for the stack's updates of the resource.
 */
export function cloudFormationExecutionRoleArn(scope: IConstruct): string | undefined {
  let root = Stack.of(scope);
  while (root.nestedStackParent) root = root.nestedStackParent;
  const synthesizer = root.synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) return undefined;
  // The synthesizer leaves placeholders the CLI fills in (the partition always, account and region in an
  // environment-agnostic stack); a policy needs the pseudo parameters.
  const placeholders: Record<string, string> = { '${AWS::Partition}': Aws.PARTITION, '${AWS::AccountId}': Aws.ACCOUNT_ID, '${AWS::Region}': Aws.REGION };
  return Object.entries(placeholders)
    .reduce((arn, [placeholder, value]) => arn.split(placeholder).join(value), synthesizer.cloudFormationExecutionRoleArn);
}
