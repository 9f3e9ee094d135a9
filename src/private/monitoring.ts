import { Token, aws_events as events } from 'aws-cdk-lib';

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
 * "rotate again" alone fails. In single-user mode, once setSecret has changed the password, only the AWSPENDING value
 * logs in (lambda/rotation/README.md): that version is promoted, not dropped. AWS's own advice for a cancelled
 * rotation is the same choice: "determine whether to roll back to the previous version of the secret by moving the
 * staging label AWSCURRENT to the version that has AWSPENDING"
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CancelRotateSecret.html).
 */
export function rotationFailedSteps(secretArn: string): string[] {
  return [
    'The rotation function\'s log, searched for the secret ARN, names the failed step and its cause: fix the cause first.',
    `"aws secretsmanager describe-secret --secret-id ${secretArn}" shows the AWSPENDING and AWSCURRENT version ids.`,
    'If the log shows "setSecret: changed the user\'s password" for that version (single user), only the AWSPENDING password logs in now:',
    `promote it with "aws secretsmanager update-secret-version-stage --secret-id ${secretArn} --version-stage AWSCURRENT`,
    '--move-to-version-id PENDING_VERSION_ID --remove-from-version-id CURRENT_VERSION_ID". Otherwise AWSCURRENT still logs in: remove the label',
    `("--version-stage AWSPENDING --remove-from-version-id PENDING_VERSION_ID"), then "aws secretsmanager rotate-secret --secret-id ${secretArn}"`,
    '(it fails while AWSPENDING is on another version). The deny covers these calls: run them as one of the secret\'s writers or',
    'breakGlassPrincipals (with none, an administrator must first allow one in the secret\'s resource policy).',
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
 * carry an alias named for their secret, which `aws kms list-aliases --key-id` shows.
 */
export function keyChangeMessage(stackName: string): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `AWS KMS: ${field('$.detail.eventName')} on key ${field('$.detail.requestParameters.keyId')}`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`
    + ` This key encrypts a watched secret of ${stackName}: "aws kms list-aliases --key-id ${field('$.detail.requestParameters.keyId')}" names it.`
    + ' A deleted or disabled key makes the secret unreadable; a new key policy or grant can let others decrypt it.',
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

/** Each of `numbers` that is not E.164, one message each naming the prop. */
export function phoneNumberErrors(prop: string, numbers: string[] = []): string[] {
  return numbers.filter(n => !Token.isUnresolved(n) && !E164.test(n))
    .map(n => `\`${prop}\` contains "${n}", which is not an E.164 phone number (a plus sign, the country code and the number, such as +14155550100).`);
}
