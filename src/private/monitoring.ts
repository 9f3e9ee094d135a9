import { Stack, Token, aws_events as events } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';

/**
 * The state that makes a rule see read-only calls such as GetSecretValue, which rules otherwise never match
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html).
 */
export const WITH_READ_ONLY_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/**
 * How Secrets Manager's answer to any use of a secret scheduled for deletion begins. Matched with `prefix`, not a
 * wildcard: EventBridge allows 30 rules with wildcards per event bus, and that quota cannot be adjusted
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
 */
export const PENDING_DELETION_MESSAGE = 'You can\'t perform this operation on the secret because it was marked for deletion';

const field = (path: string) => events.EventField.fromPath(path);

/** Alert texts; the rules' input transformers fill in the secret and the caller from each event. */
export function changeMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Secrets Manager: ${field('$.detail.eventName')} on ${field('$.detail.responseElements.arn')}`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`,
  );
}

export function rotationMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Secrets Manager: ${field('$.detail.eventName')} for ${field('$.detail.additionalEventData.SecretId')}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`,
  );
}

/**
 * What to do after a failed rotation, for the alarm and the alerts. A failed rotation leaves AWSPENDING on a version
 * of its own, and "any later invocation of RotateSecret assumes that a previous rotation request is still in progress
 * and returns an error" (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html), so
 * "rotate again" alone fails. The way out that never strands a working password is to finish that rotation: invoke
 * the function with the event Secrets Manager sends ("Step", "SecretId", "ClientRequestToken",
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda.html) for each step, with the
 * pending version. Each step is safe to repeat: createSecret keeps a pending value it wrote, setSecret first tries
 * the AWSPENDING password (lambda/rotation/README.md). Moving labels by hand is not: in single-user mode, once
 * setSecret has begun, the pending password may be the only one that logs in, and a step whose outcome the database
 * left unknown (a dropped connection) writes no log line that says so, so no log can tell the on-call which version
 * works (review DV; test/lambda/rotation.test.ts runs this recovery). The function's role makes every change, so
 * the on-call needs lambda:InvokeFunction on it, not a place in the secret's deny. `aws lambda invoke` answers 200
 * even when the function fails, with the error in FunctionError, and AWS CLI v2 needs `--cli-binary-format
 * raw-in-base64-out` for a JSON payload (https://docs.aws.amazon.com/lambda/latest/dg/invocation-sync.html). No step
 * may follow a failed one: a single-user finishSecret that cannot reach the database promotes the pending version, as
 * AWS's functions always do (review DX). The CLI stops waiting after 60 s and retries ("By default, the AWS CLI and
 * AWS SDKs time out after 60 seconds and automatically retry failed requests",
 * https://docs.aws.amazon.com/neptune/latest/userguide/best-practices-cli-sdk.html): 1000 s is more than any Lambda
 * function may run (900 s, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), a rotation
 * function of the user's own too (review DY). The
 * function logs to a log group CloudFormation names, which its LoggingConfig gives. Secrets Manager may get there
 * first: "If rotation fails, Secrets Manager retries the entire rotation process multiple times" (DescribeSecret's
 * NextRotationDate, https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/secretsmanager/aws.sdk.kotlin.services.secretsmanager.model/-describe-secret-response/next-rotation-date.html);
 * a retry of its own beside one of the on-call's is safe: setSecret succeeds when the other invocation set the
 * password (test/lambda/rotation.test.ts runs two at once).
 */
export function rotationFailedSteps(secretArn: string): string[] {
  return [
    'Secrets Manager retries a failed rotation itself: act if no RotationSucceeded follows.',
    `Find the cause: "aws secretsmanager describe-secret --secret-id ${secretArn}" gives the rotation function (RotationLambdaARN) and the`,
    'AWSPENDING version id; "aws lambda get-function-configuration --function-name FUNCTION_ARN --query LoggingConfig.LogGroup" its log group,',
    'whose entries name the failed step and why. Fix that, then finish the same rotation, moving no label by hand (only the pending',
    'password may log in now): invoke the function for each step in order, createSecret, setSecret, testSecret, finishSecret, and never after a FunctionError:',
    'aws lambda invoke --function-name FUNCTION_ARN --cli-binary-format raw-in-base64-out --cli-read-timeout 1000 --payload',
    `'{"SecretId":"${secretArn}","ClientRequestToken":"PENDING_VERSION_ID","Step":"createSecret"}' out.json.`,
    'Steps are safe to repeat; you need lambda:InvokeFunction only.',
  ];
}

/**
 * Stands for a value the reader fills in, in the alert texts and the alarm descriptions that share their words. Never
 * `<name>`: EventBridge reads each `<name>` of an input template as a variable of the target's InputPathsMap ("Enclose
 * each InputPathsMaps value in brackets: <value>", https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html),
 * and a variable nothing defines is at best lost from the text.
 */
export const SECRET_ARN_PLACEHOLDER = 'SECRET_ARN';

/** A failed rotation: which secret, and what to do (rotationFailedSteps, with the secret's ARN from the event). */
export function rotationFailedMessage(): events.RuleTargetInput {
  const secretArn = field('$.detail.additionalEventData.SecretId');
  return events.RuleTargetInput.fromText(
    `Secrets Manager: ${field('$.detail.eventName')} for ${secretArn}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}). `
    + rotationFailedSteps(secretArn).join(' '),
  );
}

/**
 * The alert on a call that weakened a watched secret's key. The event names the key, not the secret: the library's keys
 * carry an alias named for their secret, which `aws kms list-aliases --key-id` shows. Undoing a scheduled deletion
 * takes two calls: "After you cancel the pending deletion of a KMS key, the key state of the KMS key is Disabled"
 * (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys-cancelling-key-deletion.html).
 */
export function keyChangeMessage(stackName: string): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `AWS KMS: ${field('$.detail.eventName')} on key ${field('$.detail.requestParameters.keyId')}`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`
    + ` This key encrypts a watched secret of ${stackName}: "aws kms list-aliases --key-id ${field('$.detail.requestParameters.keyId')}" names it.`
    + ' A deleted or disabled key makes the secret unreadable (a RotatedDatabase\'s key also encrypts its storage and snapshots);'
    + ' a new key policy or grant can let others decrypt it. A deletion is undone while pending by "aws kms cancel-key-deletion --key-id KEY_ID"'
    + ' and then "aws kms enable-key --key-id KEY_ID" (a cancelled key is disabled).',
  );
}

/**
 * The alert on a call that changed a watched rotation function: the function's role may read and write the secrets it
 * rotates, so a change nobody deployed is a way to them.
 */
export function functionChangeMessage(stackName: string): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `AWS Lambda: ${field('$.detail.eventName')} on ${field('$.detail.requestParameters.functionName')}`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`
    + ` This function rotates watched secrets of ${stackName} and may read and write them: a change to its code,`
    + ' configuration or permissions reaches every secret it rotates. Expected only from your deployments.',
  );
}

/** The alert on a function created or reconfigured to run as a rotation function's role. */
export function roleUseMessage(stackName: string): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `AWS Lambda: ${field('$.detail.eventName')} of ${field('$.detail.requestParameters.functionName')}`
    + ` with role ${field('$.detail.requestParameters.role')}`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`
    + ` That role is a rotation function's of ${stackName}, exempt from the watched secrets' deny: the function may read and write them.`
    + ' Expected only from your deployments of the rotation function itself.',
  );
}

/**
 * The alert on a call that switched off or changed the monitoring itself. Each call names its resource in one of these
 * parameters and leaves the others out, which the input transformer renders as nothing.
 */
export function monitoringTamperMessage(stackName: string): events.RuleTargetInput {
  const resource = ['name', 'rule', 'trailName', 'topicArn', 'subscriptionArn', 'keyId', 'alarmName', 'alarmNames', 'muteTargets.alarmNames']
    .map(p => field(`$.detail.requestParameters.${p}`)).join('');
  return events.RuleTargetInput.fromText(
    `Secret monitoring of ${stackName}: ${field('$.detail.eventName')} (${field('$.detail.eventSource')}) on ${resource}`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`
    + ' This is one of the monitoring\'s own rules or alarms, its alert topic or a subscription, the topic\'s key or the trail its alerts rely on:'
    + ' a disabled or re-targeted rule, a deleted, rewritten or muted alarm, a changed topic or subscription, or a stopped trail silences the secrets\' alerts.'
    + ' Expected only from your deployments. Otherwise check the rule ("aws events describe-rule", "list-targets-by-rule"), the alarm'
    + ' ("aws cloudwatch describe-alarms"), the topic ("aws sns get-topic-attributes", "list-subscriptions-by-topic") or the trail ("aws cloudtrail get-trail-status"),'
    + ' find the caller in CloudTrail, and undo the change ("aws events enable-rule", "aws cloudwatch enable-alarm-actions", "aws cloudtrail start-logging");'
    + ' "aws cloudformation detect-stack-drift" shows what differs from the template.',
  );
}

/** Alert texts of `AccountSecretAlerts`' Amazon RDS rules. */
export function masterPasswordResetMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Amazon RDS: ${field('$.detail.Message')} (${field('$.detail.EventID')}) for ${field('$.detail.SourceArn')} at ${field('$.detail.Date')}`
    + ` (account ${events.EventField.account}, ${events.EventField.region}). RDS-EVENT-0016 means the master password was set through RDS,`
    + ' around Secrets Manager: whoever set it can log in as the master user, and the database\'s secret may no longer log in (its rotations then fail).'
    + ' RDS-EVENT-0067 means an attempt failed and the password is unchanged: someone tried.'
    + ' Find the caller in CloudTrail (ModifyDBInstance or ModifyDBCluster on this database). If it was not your deployment, set the password'
    + ' back to the secret\'s and rotate: see "Resetting the master password through RDS" in the cdk-protected-secrets README.',
  );
}

export function managedMasterPasswordMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Amazon RDS: ${field('$.detail.eventName')} handed the master password of ${field('$.detail.requestParameters.dBInstanceIdentifier')}`
    + `${field('$.detail.requestParameters.dBClusterIdentifier')} to a secret RDS manages (ManageMasterUserPassword), by ${field('$.detail.userIdentity.arn')}`
    + ` from ${field('$.detail.sourceIPAddress')} at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`
    + ' RDS sets a password of its own there, outside the library\'s policies, and the library\'s secret of this database no longer logs in.'
    + ' If it was not meant, turn it off with the secret\'s password (aws rds modify-db-instance, or modify-db-cluster, --no-manage-master-user-password'
    + ' --master-user-password PASSWORD --apply-immediately, PASSWORD being the secret\'s AWSCURRENT password; RDS then deletes its secret) and rotate the secret:'
    + ' see "Resetting the master password through RDS" in the cdk-protected-secrets README.',
  );
}

export function snapshotSharingMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Amazon RDS: ${field('$.detail.eventName')} shared the snapshot ${field('$.detail.requestParameters.dBSnapshotIdentifier')}`
    + `${field('$.detail.requestParameters.dBClusterSnapshotIdentifier')} with ${field('$.detail.requestParameters.valuesToAdd')}`
    + ` ("all" makes it public), by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')} at ${field('$.detail.eventTime')}`
    + ` (account ${events.EventField.account}, ${events.EventField.region}). A snapshot holds the database's data and its users' password verifiers,`
    + ' whatever the secrets\' policies allow. If it was not meant, remove the accounts at once (aws rds modify-db-snapshot-attribute'
    + ' --db-snapshot-identifier SNAPSHOT, or for a cluster snapshot modify-db-cluster-snapshot-attribute --db-cluster-snapshot-identifier SNAPSHOT,'
    + ' SNAPSHOT being the one named above,'
    + ' with --attribute-name restore --values-to-remove followed by the account ids above) and rotate the secrets of that database.',
  );
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** E.164: a plus sign, then up to 15 digits, the first not 0. */
const E164 = /^\+[1-9]\d{1,14}$/;

/** Each of `emails` that is not an email address, one message each; a token is checked by SNS at deploy time. */
export function emailErrors(prop: string, emails: string[] = []): string[] {
  return emails.filter(e => !Token.isUnresolved(e) && !EMAIL.test(e))
    .map(e => `\`${prop}\` contains "${e}", which is not an email address.`);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Where SNS sends no text messages, the page that says so: the China Regions ("The following Amazon SNS features are
 * not yet available in the Beijing and Ningxia Regions: ... SMS messaging") and GovCloud (US-East) ("You cannot use
 * Amazon SNS to send SMS messages while using the AWS GovCloud (US-East) Region"). A subscription there would never deliver.
 */
function regionWithoutSms(region: string): string | undefined {
  if (RegionInfo.get(region).partition === 'aws-cn') return 'https://docs.amazonaws.cn/en_us/aws/latest/userguide/sns.html';
  if (region === 'us-gov-east-1') return 'https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-sns.html';
  return undefined;
}

/**
 * Each of `numbers` that is not E.164, one message each naming the prop; and, given the scope, one if its stack's
 * region is one where SNS sends no text messages.
 */
export function phoneNumberErrors(prop: string, numbers: string[] = [], scope?: IConstruct): string[] {
  const errors = numbers.filter(n => !Token.isUnresolved(n) && !E164.test(n))
    .map(n => `\`${prop}\` contains "${n}", which is not an E.164 phone number (a plus sign, the country code and the number, such as +14155550100).`);
  const region = scope ? Stack.of(scope).region : undefined;
  const withoutSms = region === undefined || Token.isUnresolved(region) ? undefined : regionWithoutSms(region);
  if (numbers.length && withoutSms) {
    errors.push(`\`${prop}\`: Amazon SNS sends no text messages in ${region} (${withoutSms}). Leave it out and send the alerts `
      + 'by email (`alertEmails`), or subscribe an endpoint of your own to the alert topic.');
  }
  return errors;
}
