// Where alerts go, for every alerting construct: the shared topic or the caller's own, and its subscriptions.
import { aws_sns as sns } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SecretAlertTopic } from '../secret-alert-topic';
import type { SecretAlertDestinationOptions } from '../secret-monitoring';
import { phoneNumberErrors } from './monitoring';

/** The topic alerts go to, and the stack's shared topic when no topic of one's own was given. */
export interface AlertDestination {
  readonly topic: sns.ITopic;
  readonly sharedTopic?: SecretAlertTopic;
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
  for (const phone of options.alertPhoneNumbers ?? []) sharedTopic?.addPhoneNumber(phone, 'alertPhoneNumbers');
}

/** What is wrong with where alerts would go, one message per prop. */
export function alertDestinationErrors(options: SecretAlertDestinationOptions): string[] {
  const errors = phoneNumberErrors('alertPhoneNumbers', options.alertPhoneNumbers);
  if (options.alertTopic && (options.alertEmails?.length || options.alertPhoneNumbers?.length)) {
    errors.push('`alertEmails` and `alertPhoneNumbers` only subscribe to the shared alert topic; subscribe them to your own `alertTopic` yourself.');
  }
  return errors;
}
