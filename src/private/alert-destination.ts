// Where alerts go, for every alerting construct: the shared topic or the caller's own, and its subscriptions.
import { Stack, Token, TokenComparison, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { SecretAlertTopic } from '../secret-alert-topic';
import type { SecretAlertDestinationOptions } from '../secret-monitoring';
import { emailErrors, phoneNumberErrors } from './monitoring';

/** The topic alerts go to, and the stack's shared topic when no topic of one's own was given. */
export interface AlertDestination {
  readonly topic: sns.ITopic;
  readonly sharedTopic?: SecretAlertTopic;
}

/** The destination options alone (topic, subscriptions, trail), without the other options an object may carry. */
export function destinationOptions(options: SecretAlertDestinationOptions): SecretAlertDestinationOptions {
  const { alertTopic, alertEmails, alertPhoneNumbers, trail } = options;
  return { alertTopic, alertEmails, alertPhoneNumbers, trail };
}

/** The caller's `alertTopic`, or the stack's shared topic; either way this account's rules and alarms may publish. */
export function alertDestination(scope: Construct, options: SecretAlertDestinationOptions): AlertDestination {
  const sharedTopic = options.alertTopic ? undefined : SecretAlertTopic.shared(scope);
  const topic = options.alertTopic ?? sharedTopic!.topic;
  SecretAlertTopic.allowPublishers(topic);
  return { topic, sharedTopic };
}

/** Subscribes `alertEmails` and `alertPhoneNumbers` to the shared topic (validation refuses them with a topic of one's own). */
export function subscribe(sharedTopic: SecretAlertTopic | undefined, options: SecretAlertDestinationOptions): void {
  for (const email of options.alertEmails ?? []) sharedTopic?.addEmail(email);
  for (const phone of options.alertPhoneNumbers ?? []) sharedTopic?.addPhoneNumber(phone);
}

/**
 * What is wrong with where alerts would go, one message per problem, each naming the prop as the user wrote it:
 * `prefix` is `monitoring.` when the options are a secret's `monitoring`.
 */
export function alertDestinationErrors(scope: IConstruct, options: SecretAlertDestinationOptions, prefix = ''): string[] {
  const errors = [
    ...emailErrors(`${prefix}alertEmails`, options.alertEmails),
    ...phoneNumberErrors(`${prefix}alertPhoneNumbers`, options.alertPhoneNumbers, scope),
  ];
  if (options.alertTopic && (options.alertEmails?.length || options.alertPhoneNumbers?.length)) {
    errors.push(`\`${prefix}alertEmails\` and \`${prefix}alertPhoneNumbers\` only subscribe to the shared alert topic; subscribe them to your own \`${prefix}alertTopic\` yourself.`);
  }
  // "The targets you associate with a rule must be in the same Region as the rule"
  // (https://repost.aws/knowledge-center/sns-not-getting-eventbridge-notification), and the alarms' SNS actions name it too.
  const topicRegion = options.alertTopic?.env.region;
  const region = Stack.of(scope).region;
  if (topicRegion !== undefined && !Token.isUnresolved(topicRegion) && Token.compareStrings(topicRegion, region) === TokenComparison.DIFFERENT) {
    errors.push(`\`${prefix}alertTopic\` is in region ${topicRegion}, but the rules and alarms that publish to it are in ${region}; `
      + 'EventBridge targets a topic of its own region only. Use a topic of this region (or leave it out for the stack\'s shared topic).');
  }
  if (options.alertTopic && encryptedWithSnsManagedKey(options.alertTopic)) {
    // SNS's own key takes no statement: "you can only change the key policy for a customer managed key"
    // (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying.html), and EventBridge and CloudWatch
    // publish to an encrypted topic only when its key policy lets them
    // (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html): every alert would be dropped.
    errors.push(`\`${prefix}alertTopic\` is encrypted with the AWS managed key alias/aws/sns, whose policy nobody can change, so EventBridge `
      + 'and CloudWatch can never use it and every alert would be dropped. Encrypt the topic with a customer-managed key (its policy then takes the '
      + 'statements synth names), or leave it out for the stack\'s shared topic.');
  }
  return errors;
}

/** Whether `topic` is encrypted with SNS's AWS managed key, named by its alias or by an ARN that ends in it. */
function encryptedWithSnsManagedKey(topic: sns.ITopic): boolean {
  const key = topic.masterKey;
  if (!key) return false;
  const name = 'aliasName' in key ? String((key as kms.IAlias).aliasName) : key.keyArn;
  return !Token.isUnresolved(name) && /(^|[:/])alias\/aws\/sns$/.test(name);
}
