import {
  Arn,
  ArnFormat,
  CfnResource,
  Duration,
  Fn,
  IResolveContext,
  Lazy,
  Names,
  Resource,
  Stack,
  Token,
  TokenComparison,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  aws_events as events,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_secretsmanager as secretsmanager,
  aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { alertDestination, alertDestinationErrors, destinationOptions, subscribe } from './private/alert-destination';
import { DeliveryAlarms, failedInvocations, nameAlarm, ruleMetric, sumOverRules } from './private/delivery-alarms';
import { LONGEST_ROLE_ARN, longestArnPrefix, longestDeployed } from './private/deployed-size';
import { hasMarker, markClass } from './private/marker';
import {
  PENDING_DELETION_MESSAGE, SECRET_ARN_PLACEHOLDER, WITH_READ_ONLY_EVENTS, changeMessage, functionChangeMessage, keyChangeMessage,
  monitoringTamperMessage, roleUseMessage, rotationFailedMessage, rotationFailedSteps, rotationMessage, truncate,
} from './private/monitoring';
import { namingUniqueId } from './private/naming-path';
import { proofKeyOf } from './private/proof-keys';
import { secretResource } from './private/secret-name';
import { findOrCreate } from './private/singleton';
import { secretsTrailsOf } from './private/stack-trails';
import { warnWithoutTrail } from './private/trail-check';
import { PropErrors } from './private/validation';
import { SecretAlertTopic } from './secret-alert-topic';
import { MonitoringTrail } from './secrets-trail';

/**
 * Calls that change a secret, its policy, its rotation, its replicas or its deletion. A replica in another account
 * (`AssociateCrossAccountReplica`) is "an independent secret that has its own access policies, KMS key, and lifecycle"
 * to which "Secrets Manager propagates the new value" of every change
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/cross-account-replicate-secrets.html): a standing copy
 * outside the secret's policy.
 */
const CHANGE_EVENTS = [
  'CreateSecret', 'PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage',
  'PutResourcePolicy', 'DeleteResourcePolicy',
  'DeleteSecret', 'RestoreSecret',
  'RotateSecret', 'CancelRotateSecret',
  'ReplicateSecretToRegions', 'RemoveRegionsFromReplication', 'StopReplicationToReplica',
  'AssociateCrossAccountReplica', 'DisassociateCrossAccountReplica',
];

/**
 * Calls that tag or untag a secret. Tags are a change AWS's own "all changes to a secret" pattern includes
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/monitoring-eventbridge.html), and "if you use tags as
 * part of your security strategy, then adding or removing a tag can change permissions"
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_TagResource.html).
 */
const TAG_EVENTS = ['TagResource', 'UntagResource'];

/**
 * Calls that weaken the protection a secret's KMS key gives it:
 * - `ScheduleKeyDeletion`: once the waiting period ends the key is deleted and what it encrypted cannot be decrypted
 *   (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html);
 * - `DisableKey`: a disabled key "cannot be used in any cryptographic operation until you re-enable it", so the secret
 *   cannot be read or rotated (https://docs.aws.amazon.com/kms/latest/developerguide/enabling-keys.html);
 * - `PutKeyPolicy`: the key policy is "the primary mechanism for controlling access to a KMS key"; a new one can let
 *   anyone decrypt (https://docs.aws.amazon.com/kms/latest/developerguide/control-access.html);
 * - `CreateGrant`: a grant lets its grantee use the key "without changing your key policies or IAM policies"
 *   (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html);
 * - `DisableKeyRotation`: the library creates every key with automatic rotation on; this turns it off.
 * Not listed: `CancelKeyDeletion` and `EnableKey` undo the above, `EnableKeyRotation` restores it, and the read calls
 * (`Decrypt`, `DescribeKey`, `ListGrants`) change nothing.
 */
const KEY_CHANGE_EVENTS = ['PutKeyPolicy', 'ScheduleKeyDeletion', 'DisableKey', 'CreateGrant', 'DisableKeyRotation'];

/**
 * Calls that change what a rotation function runs or who may invoke it. The function's role may read and write every
 * secret it rotates (their resource policies exempt it from the deny), so a new code package, a layer or a runtime
 * wrapper in its configuration, a code-signing change, or a new way in (a permission, a function URL, an event source
 * mapping) reaches all of them. Matched by `prefix`: Lambda's CloudTrail `eventName` "might include date and version
 * information", such as `GetFunction20150331`, "but it is still referring to the same public API"
 * (https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html). `DeleteFunction` also matches
 * `DeleteFunctionConcurrency`, `DeleteFunctionCodeSigningConfig` and `DeleteFunctionUrlConfig`, changes too; the read
 * calls (`GetFunction`, `GetPolicy`) and `Invoke` (a data event) are not matched.
 */
const FUNCTION_CHANGE_EVENTS = [
  'UpdateFunctionCode', 'UpdateFunctionConfiguration', 'DeleteFunction', 'UpdateAlias',
  'AddPermission', 'RemovePermission', 'PutFunctionCodeSigningConfig', 'PutFunctionConcurrency',
  'CreateFunctionUrlConfig', 'UpdateFunctionUrlConfig', 'CreateEventSourceMapping', 'UpdateEventSourceMapping',
];

/**
 * Calls that make a function, new or another one, run as a rotation function's role: "Lambda automatically assumes your
 * execution role when you invoke your function" (https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html),
 * and the role's trust policy names Lambda, not the function, so such a function reads and writes what the rotation
 * function does. `Role` is the role's ARN (CreateFunction, UpdateFunctionConfiguration), recorded as given.
 */
const ROLE_USE_EVENTS = ['CreateFunction', 'UpdateFunctionConfiguration'];

/**
 * The longest function name: "If you specify only the function name, it is limited to 64 characters in length"
 * (https://docs.aws.amazon.com/goto/WebAPI/lambda-2015-03-31/UpdateFunctionConfiguration, FunctionName).
 */
const FUNCTION_NAME_LENGTH = 64;

/**
 * The length of a KMS key ID, which CloudFormation's `Ref` of a key gives (aws-cdk-lib's `keyId`): a UUID such as
 * `1234abcd-12ab-34cd-56ef-1234567890ab` (https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html), or
 * `mrk-` and 32 hexadecimal digits for a multi-Region key
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html): 36 characters either way.
 */
const KEY_ID_LENGTH = 36;

/**
 * Events Secrets Manager itself records when a rotation ends: "AWS Service Event via CloudTrail", events "created by
 * AWS services but are not directly triggered by a request to a public AWS service API"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html). AWS states a trail
 * requirement for "AWS API Call via CloudTrail" events (https://docs.aws.amazon.com/eventbridge/latest/userguide/event-types.html)
 * and none for these; the library does not rely on that either way: it warns without a trail, and the integ tests
 * wait for a RotationSucceeded alert in accounts with one.
 */
const ROTATION_OUTCOME_EVENTS = ['RotationSucceeded', 'RotationAbandoned'];
const ROTATION_FAILED_EVENT = 'RotationFailed';

/**
 * Calls that switch the monitoring's own rules off or change what they match or where they send: "A disabled rule won't
 * match any events" (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DisableRule.html), PutRule
 * replaces a rule's pattern and state, DeleteRule deletes it, and PutTargets and RemoveTargets change or remove its
 * alert topic. The rule is named by `Name` (PutRule, DisableRule, DeleteRule) or `Rule` (PutTargets, RemoveTargets) in
 * the API (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html), recorded in camel case
 * under `requestParameters` as CloudTrail records every API's parameters
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference.html).
 */
const RULE_NAME_EVENTS = ['PutRule', 'DisableRule', 'DeleteRule'];
const RULE_TARGET_EVENTS = ['PutTargets', 'RemoveTargets'];

/**
 * Calls that change or delete the alert topic (`TopicArn`): its policy and encryption are topic attributes
 * (https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html), and AddPermission and RemovePermission edit
 * its policy; and calls that change or remove a subscription (`SubscriptionArn`,
 * https://docs.aws.amazon.com/sns/latest/api/API_Unsubscribe.html), such as a filter policy that drops every alert.
 */
const TOPIC_EVENTS = ['SetTopicAttributes', 'DeleteTopic', 'AddPermission', 'RemovePermission'];
const SUBSCRIPTION_EVENTS = ['SetSubscriptionAttributes', 'Unsubscribe'];

/**
 * Calls that silence a CloudWatch alarm, each recorded by CloudTrail
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/logging_cw_api_calls.html) and delivered to EventBridge
 * from `aws.monitoring` with `eventSource` `monitoring.amazonaws.com`
 * (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-monitoring.html):
 * - `DeleteAlarms` (`AlarmNames`, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html);
 * - `DisableAlarmActions` (`AlarmNames`): "the alarm actions do not execute when the alarm state changes"
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DisableAlarmActions.html);
 * - `PutMetricAlarm` (`AlarmName`): "the update completely overwrites the previous configuration of the alarm", its
 *   actions and threshold too (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html);
 * - `PutAlarmMuteRule` (`MuteTargets.AlarmNames`): while a mute rule is active its alarms' "configured actions (such as
 *   Amazon SNS notifications ...) are muted" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html).
 * Recorded in camel case under `requestParameters`, as CloudTrail records every API's parameters
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference.html). The CloudWatch guide's
 * example record of `PutMetricAlarm` has `requestParameters.alarmName`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/logging_cw_api_calls.html); AWS shows no record of
 * the other three, whose field names are that convention's. Not listed:
 * `SetAlarmState` sets a state "for testing purposes" and "Metric alarms returns to their actual state quickly"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html): a breaching alarm notifies
 * again; and `EnableAlarmActions` undoes `DisableAlarmActions`.
 */
const ALARM_SILENCING_EVENTS = ['DeleteAlarms', 'DisableAlarmActions', 'PutMetricAlarm', 'PutAlarmMuteRule'];

/** The longest start of the names of the alarms that notify one topic from one stack (see `alarmNamePrefix`). */
const ALARM_NAME_PREFIX_LENGTH = 40;

/**
 * The longest rule name: EventBridge refuses a name longer than 64 characters ("Member must have length less than or
 * equal to 64", https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html, Name).
 */
const RULE_NAME_LENGTH = 64;

/** The longest trail name: "Be between 3 and 128 characters" (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_UpdateTrail.html, Name). */
const TRAIL_NAME_LENGTH = 128;

/**
 * The longest topic ARN: a topic name has "up to 256 characters" (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html,
 * Name), in the longest partition, region and account.
 */
const LONGEST_TOPIC_ARN = `${longestArnPrefix('sns')}${'x'.repeat(256)}`;

/**
 * An event pattern may hold 2,048 characters by default (the quota can be raised to 4,096): each rule takes secrets
 * until its pattern, at the longest CloudFormation can make it, would pass this.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
 */
const PATTERN_SIZE_LIMIT = 2048;

/**
 * Where alerts go and the trail they rely on: what every alerting construct of the library takes
 * (`SecretMonitoring`, the monitoring of `ProtectedSecret` and the database constructs, `AccountSecretAlerts`).
 */
export interface SecretAlertDestinationOptions {
  /**
   * The SNS topic alerts go to. A topic of this app gets the topic policy statements that let this account's
   * EventBridge rules and CloudWatch alarms publish (and, with a key of this app, the key policy statements). An
   * imported topic or key cannot be changed: synth warns (`cdk-protected-secrets:alert-topic-policy`) with the
   * statements its owner must add, without which the alerts are dropped. A topic encrypted with the AWS managed key
   * `alias/aws/sns`, whose policy nobody can change, is refused.
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
   * @default - the stack's shared `SecretAlertTopic` (one KMS-encrypted topic per stack)
   */
  readonly alertTopic?: sns.ITopic;

  /**
   * Email addresses to subscribe to the alert topic. Only with the shared topic; subscribe to your own topic yourself.
   * @default - no email subscriptions
   */
  readonly alertEmails?: string[];

  /**
   * Phone numbers (E.164, such as `+14155550100`) to receive the alerts as text messages. Only with the shared topic.
   * SNS sends SMS only to verified numbers while the account is in the SMS sandbox. Refused in the China Regions
   * and AWS GovCloud (US-East), where SNS sends no text messages.
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-sms-sandbox.html
   * @see https://docs.amazonaws.cn/en_us/aws/latest/userguide/sns.html
   * @see https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-sns.html
   * @default - no SMS subscriptions
   */
  readonly alertPhoneNumbers?: string[];

  /**
   * The trail that records the API calls the rules match. A `SecretsTrail` of the same account anywhere in the app
   * counts as stated (a trail logs only its own account's calls unless it is an organization trail).
   * @default - a `SecretsTrail` of the same account in the app if there is one; otherwise synth warns that the
   * API-call alerts need a trail
   */
  readonly trail?: MonitoringTrail;
}

/**
 * Where alerts on secrets go and what they watch: the options `MonitoringOptions` and `SecretMonitoringProps` share.
 */
export interface SecretAlertOptions extends SecretAlertDestinationOptions {
  /**
   * Alert when a client reads the `AWSPREVIOUS` version or uses the secret while it is scheduled for deletion.
   * These are read-only CloudTrail events, which only a rule in the `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`
   * state receives, and only while the trail logs read events.
   * @default true
   */
  readonly watchDeprecatedAccess?: boolean;

  /**
   * Alert when the secret's tags change (`TagResource`, `UntagResource`). Turn it on when IAM policies decide access
   * by the secret's tags (`secretsmanager:ResourceTag/...`): a tag change is then an access change. Off by default:
   * these calls name the secret only as the caller did, so their rules hold a few secrets each and add rules
   * (about four for 49 databases, past the 500 resources of one stack).
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access-abac.html
   * @default false
   */
  readonly watchTagChanges?: boolean;
}

/**
 * Options to monitor a secret, as `ProtectedSecret` and the database constructs take them.
 */
export interface MonitoringOptions extends SecretAlertOptions {
  /**
   * Whether to monitor the secret at all. With `false`, no other monitoring option may be set (they would be ignored).
   * @default true
   */
  readonly enabled?: boolean;
}

/**
 * Properties for a `SecretMonitoring`.
 */
export interface SecretMonitoringProps extends SecretAlertOptions {
  /**
   * The secrets to watch. More can be added with `addSecret`.
   * @default - none yet
   */
  readonly secrets?: secretsmanager.ISecret[];

  /**
   * Rotation functions of these secrets, of this stack's account and region: each gets an alarm on its `Errors` and
   * `Throttles` metrics. More can be added with `addRotationFunction`.
   * @default - none
   */
  readonly rotationFunctions?: lambda.IFunction[];

  /**
   * Alert when someone switches this monitoring off or changes what it reports: its rules disabled, deleted, given
   * another pattern or other targets; one of the library's alarms that notify its topic from this stack (an alarm of
   * your own is not watched) deleted, its actions disabled,
   * rewritten or muted; its alert topic's attributes or policy changed, or the topic deleted; a subscription changed or
   * removed; the first `SecretsTrail` of this stack stopped, deleted or narrowed; the topic's key (of this app) disabled,
   * scheduled for deletion, re-policied or granted. The alarms are matched by the start of their names, which the
   * library fixes per stack and topic. Deployments make these calls too, so these
   * rules have no alarm (`metricMonitoringTamper` is there to alarm on). The stack's shared monitoring, which
   * `ProtectedSecret` uses, always has it on.
   * @default true
   */
  readonly watchMonitoringTamper?: boolean;
}

/**
 * Options for `SecretMonitoring.addSecret`.
 */
export interface WatchSecretOptions {
  /**
   * Alert when a client reads the secret's `AWSPREVIOUS` version or uses it while it is scheduled for deletion. On a
   * secret already watched, `true` adds it and `false` is refused if it is on (see `addSecret`).
   * @default - the monitoring's `watchDeprecatedAccess` when the secret is first added; afterwards, what it has
   */
  readonly watchDeprecatedAccess?: boolean;

  /**
   * Alert when the secret's tags change. On a secret already watched, `true` adds it and `false` is refused if it is
   * on (see `addSecret`).
   * @default - the monitoring's `watchTagChanges` when the secret is first added; afterwards, what it has
   */
  readonly watchTagChanges?: boolean;
}

/** One kind of rule: its pattern around the secrets' matchers, its message and whether it has an alarm. */
interface RuleKind {
  readonly id: string;
  readonly description: string;
  /** The event source the rule matches. */
  readonly source: string;
  /** Further event sources the rule matches, for a kind that watches several services. */
  readonly otherSources?: string[];
  /** The pattern of the kind's `group`-th rule (from 0) around its matchers. */
  readonly pattern: (matchers: any[], group: number) => events.EventPattern;
  readonly matchers: (naming: SecretNaming) => any[];
  readonly message: () => events.RuleTargetInput;
  readonly readOnly?: boolean;
  readonly alarmDescription?: string[];
  /**
   * Each rule of the kind gets a fixed physical name, so a rule can list its own name (a `Ref` to itself would be a
   * circular dependency).
   */
  readonly named?: boolean;
  /** The deployed length of the kind's `group`-th pattern, at its longest; by default as `deployedLength` measures it. */
  readonly measure?: (stack: Stack, pattern: events.EventPattern, group: number) => number;
}

/** A rule and the secrets it holds so far. */
interface RuleGroup {
  readonly rule: events.Rule;
  readonly alarm?: cloudwatch.Alarm;
  /** The matchers of the rule's secrets, rendered into its pattern at synth. */
  readonly matchers: any[];
  size: number;
}

/**
 * Alerts for secrets, from the CloudTrail events Secrets Manager and AWS KMS record: EventBridge rules on changes to
 * the secrets, on rotation outcomes, on access to deprecated versions and on calls that weaken the secrets' KMS keys
 * (of this app), each sending a readable message that names the secret or the key to an SNS topic, and CloudWatch
 * alarms on failed rotations and deprecated access.
 *
 * One monitoring covers many secrets: each rule takes secrets until its pattern is full (2,048 characters), so a
 * stack gets a few rules, not a few per secret. `ProtectedSecret` uses the stack's shared monitoring (`forStack`).
 * No rule uses a wildcard. The API-call rules need a trail (see `MonitoringTrail`); create or state one for all.
 * Each rule's list of secrets is rendered from the watched secrets at synth: watch more with `addSecret`. A rule's
 * `addEventPattern` may narrow its other fields, but not that list.
 */
export class SecretMonitoring extends Construct {
  /**
   * The stack's monitoring for the given alert topic, created on first use: every `ProtectedSecret` of the stack
   * with monitoring on joins it, so monitoring adds no resource per additional secret. What it watches is chosen per
   * secret: `addSecret(secret, { watchDeprecatedAccess, watchTagChanges })`. A `ProtectedSecret` has joined with its
   * `monitoring` options already: a later `addSecret` can turn more rules on for it, not off (see `addSecret`).
   */
  public static forStack(scope: Construct, options: SecretAlertDestinationOptions = {}): SecretMonitoring {
    const stack = Stack.of(scope);
    // Options of one secret, which TypeScript's structural typing (or JavaScript) lets through: refused, not dropped.
    const perSecret = (['enabled', 'watchDeprecatedAccess', 'watchTagChanges'] as const).filter(name => (options as MonitoringOptions)[name] !== undefined);
    if (perSecret.length > 0) {
      throw new Error(`SecretMonitoring.forStack in ${stack.node.path}: ${perSecret.map(name => `\`${name}\``).join(' and ')} would be ignored: the stack's `
        + 'monitoring is shared, and what it watches is chosen per secret. Pass them as `addSecret(secret, { watchDeprecatedAccess, watchTagChanges })` '
        + '(or in a ProtectedSecret\'s `monitoring` prop); for no monitoring, do not call forStack.');
    }
    const shared = destinationOptions(options);
    const id = shared.alertTopic ? `ProtectedSecretsMonitoring${namingUniqueId(shared.alertTopic)}` : 'ProtectedSecretsMonitoring';
    let created = false;
    const monitoring = findOrCreate(stack, id, SecretMonitoring, (monitoringScope, monitoringId) => {
      created = true;
      return new SecretMonitoring(monitoringScope, monitoringId, shared);
    });
    // A new monitoring took the options in its constructor; an existing one takes this user's subscriptions.
    if (!created) monitoring.join(shared);
    return monitoring;
  }

  /** The topic alerts go to. */
  public readonly alertTopic: sns.ITopic;

  private readonly alarmAction: cloudwatch.IAlarmAction;
  /** The start of the names of the alarms that notify this monitoring's topic from its stack (see `alarmNamePrefix`). */
  private readonly alarmNamePrefix: string;
  private readonly delivery: DeliveryAlarms;
  private readonly sharedTopic?: SecretAlertTopic;
  private readonly watchDeprecatedAccessByDefault: boolean;
  private readonly watchTagChangesByDefault: boolean;
  private readonly watchMonitoringTamper: boolean;
  private readonly kinds: Record<RuleKindName | 'monitoringTamper', RuleKind>;
  private readonly groups = new Map<RuleKind, RuleGroup[]>();
  /** The watched secrets and, for each, the options it was placed by (on: its secrets are in that kind's rules). */
  private readonly watched = new Map<secretsmanager.ISecret, Required<WatchSecretOptions>>();
  private readonly watchedKeys = new Set<kms.IKey>();
  private readonly watchedFunctions = new Set<lambda.IFunction>();
  private readonly watchedRoles = new Set<iam.IRole>();
  private readonly watchedProofKeys = new Set<secretsmanager.CfnSecret>();
  /** The trails the monitoring's users stated: they describe the account's trails, so one that logs reads serves all. */
  private readonly statedTrails: MonitoringTrail[] = [];
  /** The metrics handed out, each a sum over the rules of its kind at the time: checked at synth against the rules then. */
  private readonly metricsHandedOut: { method: string; count: number; rulesNow: () => events.IRule[] }[] = [];

  constructor(scope: Construct, id: string, props: SecretMonitoringProps = {}) {
    super(scope, id);
    validateProps(this, props);

    const destination = alertDestination(this, props);
    this.alertTopic = destination.topic;
    this.sharedTopic = destination.sharedTopic;
    this.alarmAction = new cloudwatchActions.SnsAction(this.alertTopic);
    this.alarmNamePrefix = alarmNamePrefix(this, this.alertTopic);
    this.delivery = new DeliveryAlarms(this, this.alarmAction, `the secret monitoring ${this.node.path}`, this.alarmNamePrefix);
    this.watchDeprecatedAccessByDefault = props.watchDeprecatedAccess ?? true;
    this.watchTagChangesByDefault = props.watchTagChanges ?? false;
    this.watchMonitoringTamper = props.watchMonitoringTamper ?? true;
    this.kinds = { ...ruleKinds(Stack.of(this).stackName), monitoringTamper: this.monitoringTamperKind() };
    this.join(props);

    for (const secret of props.secrets ?? []) this.addSecret(secret);
    for (const fn of props.rotationFunctions ?? []) this.addRotationFunction(fn);
    warnWithoutTrail(this, {
      trail: () => this.statedTrails.find(t => t.logsReadEvents) ?? this.statedTrails[0],
      needsReadEvents: () => (this.groups.get(this.kinds.deprecatedAccess)?.length ?? 0) > 0,
      // The key-change rules match KMS's events, and so does the second tamper rule when it watches the topic's key.
      needsKmsEvents: () => (this.groups.get(this.kinds.keyChange)?.length ?? 0) > 0
        || ((this.groups.get(this.kinds.monitoringTamper)?.length ?? 0) > 0 && this.alertTopicKey() !== undefined),
      statedTrails: () => this.statedTrails,
      readAlerts: 'reads of AWSPREVIOUS and uses of secrets scheduled for deletion',
      readAlertsOff: 'watchDeprecatedAccess: false',
    });
    this.node.addValidation({ validate: () => [...this.outgrownMetricErrors(), ...this.tamperPatternErrors()] });
  }

  /**
   * Matches calls that changed the watched secrets, one rule per group of secrets: the calls that answer with the
   * secret's ARN, then the rules for tags added or removed (which answer with nothing and are matched on the secret as
   * the caller named it). They also watch the proof keys of the library's rotation functions given to
   * `addRotationFunction` (its value, policy, deletion or rotation): whoever changes one can sign the pending versions
   * its function trusts.
   */
  public get changeRules(): events.Rule[] { return [...this.rulesOf(this.kinds.change), ...this.rulesOf(this.kinds.tagChange)]; }
  /** Matches rotations that succeeded or were abandoned. */
  public get rotationRules(): events.Rule[] { return this.rulesOf(this.kinds.rotation); }
  /** Matches rotations that failed. */
  public get rotationFailedRules(): events.Rule[] { return this.rulesOf(this.kinds.rotationFailed); }
  /** Matches reads of `AWSPREVIOUS` and any use of a secret scheduled for deletion, of the secrets that watch it. */
  public get deprecatedAccessRules(): events.Rule[] { return this.rulesOf(this.kinds.deprecatedAccess); }
  /**
   * Matches calls that schedule the deletion of, disable, re-policy, grant use of or stop rotating the KMS keys of
   * the watched secrets, for keys of this app (a key imported by ARN is its own app's to watch).
   */
  public get keyChangeRules(): events.Rule[] { return this.rulesOf(this.kinds.keyChange); }
  /**
   * Matches calls that change the code, configuration, permissions, function URL, aliases or event sources of the
   * rotation functions given to `addRotationFunction`, and calls that create or
   * reconfigure any function to run as such a function's role: that role may read and write every secret it rotates.
   */
  public get rotationFunctionChangeRules(): events.Rule[] {
    return [...this.rulesOf(this.kinds.rotationFunctionChange), ...this.rulesOf(this.kinds.rotationRoleUse)];
  }
  /**
   * Matches calls that switch this monitoring off or change what it reports (see `watchMonitoringTamper`): on its own
   * rules, the library's alarms that notify its topic from this stack, its alert topic and subscriptions, the topic's key when it is
   * a key of this app, and the first `SecretsTrail` of this stack; never on other resources of the account. One rule per
   * group of the monitoring's rules' names.
   */
  public get monitoringTamperRules(): events.Rule[] { return this.rulesOf(this.kinds.monitoringTamper); }
  /** Alarms when a rotation fails, one per failed-rotation rule. */
  public get rotationFailedAlarms(): cloudwatch.Alarm[] { return this.alarmsOf(this.kinds.rotationFailed); }
  /** Alarms on deprecated access, one per deprecated-access rule. */
  public get deprecatedAccessAlarms(): cloudwatch.Alarm[] { return this.alarmsOf(this.kinds.deprecatedAccess); }
  /**
   * Alarms when EventBridge could not deliver alerts of this monitoring's rules to the topic (their `FailedInvocations`),
   * one per ten rules: a topic or key policy that refuses EventBridge would otherwise drop every alert unseen.
   */
  public get alertDeliveryAlarms(): cloudwatch.Alarm[] { return this.delivery.alarms; }

  /**
   * Watches one more secret: it joins the rules that still have room, or a new group of rules when they are full.
   * A secret already watched (a `ProtectedSecret` or a database construct's secret with monitoring on has joined its
   * stack's monitoring when it was created) is placed once; a later call adds the rules an option turns on
   * (`watchTagChanges: true`, `watchDeprecatedAccess: true`), an option left out keeps what the secret has, and an
   * option that turns off a rule the secret is in already is refused: a secret cannot leave a rule. Turn it off where
   * the secret is first added: in the construct's `monitoring` prop, or on the first `addSecret`.
   */
  public addSecret(secret: secretsmanager.ISecret, options: WatchSecretOptions = {}): void {
    const placed = this.watched.get(secret);
    if (placed) {
      this.addToWatched(secret, placed, options);
      return;
    }
    // A rule matches the events of its own region's bus: "Both the EventBridge rule and the source event that it
    // monitors must exist in the same AWS Region" (https://repost.aws/knowledge-center/use-eventbridge-rule-across-regions).
    const region = Stack.of(this).region;
    if (Token.compareStrings(secret.env.region, region) === TokenComparison.DIFFERENT) {
      throw new Error(`SecretMonitoring ${this.node.path}: addSecret got ${secret.node.path}, a secret of region ${secret.env.region}, but the rules are in `
        + `${region} and would never see its events. Monitor it from a stack of its own region.`);
    }
    const chosen = {
      watchTagChanges: options.watchTagChanges ?? this.watchTagChangesByDefault,
      watchDeprecatedAccess: options.watchDeprecatedAccess ?? this.watchDeprecatedAccessByDefault,
    };
    this.watched.set(secret, chosen);
    const kinds = [this.kinds.change, this.kinds.rotation, this.kinds.rotationFailed, ...this.optionalKinds(chosen)];
    this.placeSecret(secretNaming(Stack.of(this), secret), kinds);
    this.watchKey(secret.encryptionKey);
  }

  /**
   * Adds an alarm on a rotation function's `Errors` and `Throttles` metrics (their sum), and alerts on changes to the function and, when its role
   * is known, on functions given that role (see `rotationFunctionChangeRules`), and on changes to its proof key when it
   * is a `RotationFunction`'s (see `changeRules`). An alias or version is watched as its function. A
   * function is alarmed once per alert topic and stack, however many monitorings add it, so a shared rotation
   * function gets one alarm. A function of another account or region is refused: monitor it from a stack of its own
   * account and region, whose CloudWatch has its metrics and whose event bus sees its calls.
   */
  public addRotationFunction(fn: lambda.IFunction): cloudwatch.IAlarm {
    this.refuseForeignFunction(fn);
    this.watchFunction(fn);
    const registry = sharedRegistry(this);
    const id = `RotationErrors${namingUniqueId(fn)}${namingUniqueId(this.alertTopic)}`;
    return findOrCreate(registry, id, cloudwatch.Alarm, (alarmScope, alarmId) => {
      // Errors counts only invocations that ran: "Invocations aren't recorded if the invocation request is throttled"
      // (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html), so a rotation Lambda refused to
      // run is counted by Throttles alone (review DW). Both are sent only when not zero, so each is filled with 0
      // before they are added (FILL, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html):
      // a minute with throttles and no errors must still count. Not SUM of an array, which the archived metric math
      // page advised against in alarms (review DY).
      const perStep = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
      const alarm = new cloudwatch.Alarm(alarmScope, alarmId, {
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(errors, 0) + FILL(throttles, 0)',
          usingMetrics: { errors: fn.metricErrors(perStep), throttles: fn.metricThrottles(perStep) },
          period: Duration.minutes(5),
          label: 'Failed or throttled invocations',
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: [
          `The rotation function ${fn.node.path} failed a step of a rotation, or Lambda throttled it (then its log has nothing; see its Throttles metric and`,
          'the account\'s concurrency), and the rotation stays unfinished until a retry succeeds (the failed-rotation alarm says what to do).',
          'Read the function\'s log: each error names the step, the secret ARN and what to do.',
        ].join(' '),
      });
      alarm.addAlarmAction(this.alarmAction);
      // The alarm notifies this monitoring's topic: every monitoring of that topic in the stack matches it by the prefix.
      nameAlarm(alarm, this.alarmNamePrefix);
      return alarm;
    });
  }

  /**
   * The number of failed rotations of the watched secrets (EventBridge `TriggeredRules` of the failed-rotation rules,
   * summed when the secrets fill more than one rule). It reads the rules there are when it is called: call it after
   * every secret the monitoring watches is created (synth fails if more rules came after). Throws before the first
   * secret. A CloudWatch alarm reads at most 10 metrics, so alarm on it only while there are at most 10 such rules.
   * @default - sum over 5 minutes
   */
  public metricRotationFailures(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.requiredMetric('metricRotationFailures', () => this.rulesOf(this.kinds.rotationFailed), props);
  }

  /**
   * The number of rotations of the watched secrets that ended, succeeded or abandoned (EventBridge `TriggeredRules`
   * of `rotationRules`): a dashboard's evidence that rotations run. Like `metricRotationFailures`, it reads the rules
   * there are when it is called, and throws before the first secret.
   * @default - sum over 5 minutes
   */
  public metricRotations(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.requiredMetric('metricRotations', () => this.rulesOf(this.kinds.rotation), props);
  }

  /**
   * The number of alerts EventBridge could not deliver to the topic, summed over all rules of this monitoring
   * (EventBridge `FailedInvocations`). A CloudWatch alarm may read at most 10 metrics: with more rules, alarm on
   * `alertDeliveryAlarms` instead. Undefined while the monitoring watches nothing (it has no rule yet).
   * @default - sum over 5 minutes
   */
  public metricAlertDeliveryFailures(props?: cloudwatch.MetricOptions): cloudwatch.IMetric | undefined {
    return this.metricOver('metricAlertDeliveryFailures', () => [...this.groups.values()].flatMap(groups => groups.map(group => group.rule)),
      rule => failedInvocations(rule, props), props);
  }

  /**
   * The number of calls that changed the watched secrets, tags included (summed over `changeRules`). Like
   * `metricRotationFailures`, it reads the rules there are when it is called, and throws before the first secret.
   * @default - sum over 5 minutes
   */
  public metricChanges(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    return this.requiredMetric('metricChanges', () => this.changeRules, props);
  }

  /**
   * The number of calls that weakened the watched secrets' keys (see `keyChangeRules`); undefined when no watched
   * secret has a key of this app.
   * @default - sum over 5 minutes
   */
  public metricKeyChanges(props?: cloudwatch.MetricOptions): cloudwatch.IMetric | undefined {
    return this.metricOver('metricKeyChanges', () => this.rulesOf(this.kinds.keyChange), rule => triggeredRules(rule, props), props);
  }

  /**
   * The number of calls that switched the monitoring off or changed what it reports (see `monitoringTamperRules`);
   * undefined while the monitoring has no rule, or with `watchMonitoringTamper: false`. Deployments that change the
   * monitoring count too.
   * @default - sum over 5 minutes
   */
  public metricMonitoringTamper(props?: cloudwatch.MetricOptions): cloudwatch.IMetric | undefined {
    return this.metricOver('metricMonitoringTamper', () => this.monitoringTamperRules, rule => triggeredRules(rule, props), props);
  }

  /**
   * The number of calls that changed the watched rotation functions (see `rotationFunctionChangeRules`); undefined
   * when the monitoring watches no function. Deployments that change a function count too.
   * @default - sum over 5 minutes
   */
  public metricRotationFunctionChanges(props?: cloudwatch.MetricOptions): cloudwatch.IMetric | undefined {
    return this.metricOver('metricRotationFunctionChanges', () => this.rotationFunctionChangeRules, rule => triggeredRules(rule, props), props);
  }

  /**
   * The number of reads of deprecated versions and uses of the secrets while scheduled for deletion;
   * undefined when no watched secret has `watchDeprecatedAccess` on.
   * @default - sum over 5 minutes
   */
  public metricDeprecatedAccess(props?: cloudwatch.MetricOptions): cloudwatch.IMetric | undefined {
    return this.metricOver('metricDeprecatedAccess', () => this.rulesOf(this.kinds.deprecatedAccess), rule => triggeredRules(rule, props), props);
  }

  /**
   * A later `addSecret` of a watched secret: places it in the rules of the options it turns on, and refuses an option
   * that turns off a rule it is in already (nothing can take a secret out of a rule's list).
   */
  private addToWatched(secret: secretsmanager.ISecret, placed: Required<WatchSecretOptions>, options: WatchSecretOptions): void {
    const names = ['watchDeprecatedAccess', 'watchTagChanges'] as const;
    const refused = names.filter(name => options[name] === false && placed[name]);
    if (refused.length > 0) {
      const offs = refused.map(name => `\`${name}: false\``).join(' and ');
      // The construct's `monitoring` prop is what it passes to its first addSecret (ProtectedSecret.joinMonitoring).
      const where = hasMarker(secret, 'ProtectedSecret')
        ? `give the ProtectedSecret ${secret.node.path} \`monitoring: { ${refused.map(name => `${name}: false`).join(', ')} }\` (it joined its stack's `
          + 'monitoring when it was created; for a database construct\'s secret, in the database construct\'s `monitoring` prop)'
        : `pass ${offs} on the first addSecret of ${secret.node.path} (or in the \`${refused[0]}\` prop of this monitoring, which the \`secrets\` prop uses)`;
      throw new Error(`SecretMonitoring ${this.node.path}: addSecret got ${secret.node.path} with ${offs}, but an earlier addSecret watches it with that `
        + `option on, and a secret cannot be taken out of a rule. To leave it out, ${where}.`);
    }
    const added = {
      watchTagChanges: options.watchTagChanges === true && !placed.watchTagChanges,
      watchDeprecatedAccess: options.watchDeprecatedAccess === true && !placed.watchDeprecatedAccess,
    };
    const kinds = this.optionalKinds(added);
    if (kinds.length === 0) return;
    this.watched.set(secret, {
      watchTagChanges: placed.watchTagChanges || added.watchTagChanges,
      watchDeprecatedAccess: placed.watchDeprecatedAccess || added.watchDeprecatedAccess,
    });
    this.placeSecret(secretNaming(Stack.of(this), secret), kinds);
  }

  /** The rule kinds of the per-secret options that are on. */
  private optionalKinds(options: Required<WatchSecretOptions>): RuleKind[] {
    return [
      ...(options.watchTagChanges ? [this.kinds.tagChange] : []),
      ...(options.watchDeprecatedAccess ? [this.kinds.deprecatedAccess] : []),
    ];
  }

  /**
   * Puts a secret's matchers in the rules of `kinds`. Kinds that match the secret the same way share one resolution of
   * its matchers' deployed length (resolving is most of what adding a secret costs at synth).
   */
  private placeSecret(naming: SecretNaming, kinds: RuleKind[]): void {
    const stack = Stack.of(this);
    const measured = new Map<RuleKind['matchers'], { matchers: any[]; size: number }>();
    for (const kind of kinds) {
      let entry = measured.get(kind.matchers);
      if (!entry) {
        const matchers = kind.matchers(naming);
        entry = { matchers: naming.wrap(matchers), size: deployedLength(stack, matchers, naming.resolved) + 1 };
        measured.set(kind.matchers, entry);
      }
      this.place(kind, entry.matchers, entry.size);
    }
  }

  /**
   * Watches a secret's key, once however many secrets it encrypts, when it is a key of this app: a key imported by
   * ARN belongs to another app, which watches it, and an AWS managed key takes no policy or grant from users.
   */
  private watchKey(given: kms.IKey | undefined): void {
    // An alias of this app stands for its key: its keyId is the alias name, which CloudTrail's resources never carry.
    const key = given instanceof kms.Alias ? given.aliasTargetKey : given;
    if (!key || !Resource.isOwnedResource(key) || this.watchedKeys.has(key)) return;
    this.watchedKeys.add(key);
    const matchers = keyMatchers(key);
    this.place(this.kinds.keyChange, matchers, keyMatchersLength(Stack.of(this), matchers) + 1);
  }

  /**
   * Refuses a rotation function of another account or region (an account or region unknown at synth is not refused).
   * Its `Errors` alarm would read a metric that never has data: "Metrics exist only in the Region in which they are
   * created" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html), and Lambda
   * sends a function's metrics to its own account's CloudWatch. Its calls reach that account's and region's event bus,
   * not this one's (https://repost.aws/knowledge-center/use-eventbridge-rule-across-regions), as a secret's do (addSecret).
   */
  private refuseForeignFunction(given: lambda.IFunction): void {
    const fn = functionOf(given);
    const stack = Stack.of(this);
    const elsewhere = Token.compareStrings(fn.env.region, stack.region) === TokenComparison.DIFFERENT
      || Token.compareStrings(fn.env.account, stack.account) === TokenComparison.DIFFERENT;
    if (!elsewhere) return;
    throw new Error(`SecretMonitoring ${this.node.path}: addRotationFunction got ${given.node.path}, a function of account ${fn.env.account} and region `
      + `${fn.env.region}, but this monitoring is in account ${stack.account} and region ${stack.region}: its errors alarm would read a metric that `
      + 'never has data here (CloudWatch keeps a function\'s metrics in its own account and region), and its rules would never see the function\'s calls. '
      + 'Monitor it from a stack of its own account and region (`SecretMonitoring.forStack(thatStack).addRotationFunction(fn)`).');
  }

  /** Watches a rotation function's changes, once however many secrets it rotates. */
  private watchFunction(given: lambda.IFunction): void {
    const fn = functionOf(given);
    const stack = Stack.of(this);
    if (this.watchedFunctions.has(fn)) return;
    this.watchedFunctions.add(fn);
    this.watchProofKey(fn);
    const matchers = functionMatchers(fn.functionName, fn.functionArn);
    this.place(this.kinds.rotationFunctionChange, matchers, functionMatchersLength(stack, matchers) + 1);
    const role = fn.role;
    if (role && !this.watchedRoles.has(role)) {
      this.watchedRoles.add(role);
      // Ignoring case can only match more: IAM role names "aren't distinguished by case" (for uniqueness,
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names).
      const roleMatchers = [{ 'equals-ignore-case': role.roleArn }];
      const size = JSON.stringify(longestDeployed(stack.resolve(roleMatchers), () => LONGEST_ROLE_ARN)).length + 1;
      this.place(this.kinds.rotationRoleUse, roleMatchers, size);
    }
  }

  /**
   * Watches the proof key of a rotation function of the library, once however many functions share it, with the
   * watched secrets' changes (the change rule): whoever changes its value or its policy can sign a pending version the
   * function then takes for its own (lambda/rotation/proof.ts), and choose the next password of every secret it rotates.
   * Its resource policy leaves `PutResourcePolicy`, `DeleteResourcePolicy` and `DeleteSecret` to the account's
   * administrators, and the change rule matches these and the value's changes as on any watched secret. CloudFormation's
   * own changes of the key (its creation, a release that changes it) alert too: the rule cannot tell a deployment from
   * someone else acting as the stack's execution role.
   */
  private watchProofKey(fn: lambda.IFunction): void {
    const proofKey = proofKeyOf(fn);
    if (!proofKey || this.watchedProofKeys.has(proofKey)) return;
    this.watchedProofKeys.add(proofKey);
    this.placeSecret(resourceNaming(Stack.of(this), proofKey, proofKey.ref), [this.kinds.change]);
  }

  /** Takes the subscriptions and the trail statement of one more user of the stack's monitoring. */
  private join(options: SecretAlertOptions): void {
    if (options.alertTopic === undefined || options.alertTopic === this.alertTopic) {
      if (!this.sharedTopic && (options.alertEmails?.length || options.alertPhoneNumbers?.length)) {
        throw new Error(`SecretMonitoring ${this.node.path}: \`alertEmails\` and \`alertPhoneNumbers\` only subscribe to the shared alert topic; subscribe them to your own \`alertTopic\` yourself.`);
      }
      subscribe(this.sharedTopic, options);
    }
    if (options.trail) this.statedTrails.push(options.trail);
  }

  /**
   * Puts a secret's matchers in the last rule of the kind if they fit, else in a new rule. A rule's pattern holds its
   * secrets' matchers as a list rendered at synth, rather than one `addEventPattern` per secret: aws-cdk-lib merges
   * each added pattern into the whole one (comparing every matcher as JSON) and records each call in the construct's
   * metadata, most of what watching a secret cost at synth.
   */
  private place(kind: RuleKind, matchers: any[], size: number): void {
    const groups = this.groups.get(kind) ?? [];
    this.groups.set(kind, groups);
    const last = groups[groups.length - 1];
    if (last && last.size + size <= PATTERN_SIZE_LIMIT) {
      last.matchers.push(...matchers);
      last.size += size;
      return;
    }
    const suffix = groups.length === 0 ? '' : String(groups.length + 1);
    const groupMatchers = [...matchers];
    // Listed once each, as addEventPattern's merge would (two imports of one secret give the same matchers).
    const rendered = Lazy.uncachedAny({ produce: context => uniqueByJson(groupMatchers.map(matcher => render(matcher, context))) });
    const index = groups.length;
    const sources = [kind.source, ...(kind.otherSources ?? [])];
    const pattern: events.EventPattern = { source: sources, ...kind.pattern(rendered as unknown as any[], index) };
    const rule = new events.Rule(this, `${kind.id}Rule${suffix}`, {
      description: truncate(`${kind.description}${suffix ? ` (group ${suffix})` : ''}`, 512),
      eventPattern: pattern,
    });
    // The path-based name `Names.uniqueResourceName` gives: unique in the stack, and the stack's name is unique in its
    // account and region.
    const ownName = kind.named ? Names.uniqueResourceName(rule, { maxLength: RULE_NAME_LENGTH }) : undefined;
    if (ownName) (rule.node.defaultChild as events.CfnRule).name = ownName;
    rule.addTarget(this.target(kind.message()));
    this.delivery.watch(rule);
    if (kind.readOnly) (rule.node.defaultChild as events.CfnRule).state = WITH_READ_ONLY_EVENTS;
    const alarm = kind.alarmDescription
      ? this.alarm(`${kind.id}Alarm${suffix}`, triggeredRules(rule), kind.alarmDescription)
      : undefined;
    const groupSize = kind.measure ? kind.measure(Stack.of(this), pattern, index) : deployedLength(Stack.of(this), pattern);
    groups.push({ rule, alarm, matchers: groupMatchers, size: groupSize });
    this.watchRule(rule, ownName);
  }

  /**
   * Lists a new rule of the monitoring in the monitoring-tamper rules: by its `Ref`, or by its fixed name when it is one
   * of them (a rule cannot `Ref` itself). Twice: the pattern names it in `name` and in `rule`.
   *
   * A tamper rule that only listed itself could not report its own `RemoveTargets` or `DisableRule` (the change takes
   * effect before CloudTrail delivers the call: "removed targets might continue to be invoked. Allow a short period of
   * time for changes to take effect", https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RemoveTargets.html),
   * and after that every other rule could be switched off unseen. So each tamper rule after the first is listed by the
   * one before it, and the first by the second. A rule after the second is made when the one before it is full: it
   * takes one of that rule's names in exchange for its own, which is no longer (a fixed name of at most
   * `RULE_NAME_LENGTH` characters for a `Ref` measured at that length), so neither outgrows its pattern.
   */
  private watchRule(rule: events.Rule, ownName: string | undefined): void {
    if (!this.watchMonitoringTamper) return;
    const kind = this.kinds.monitoringTamper;
    // The first rule watches the topic, its key and the trails; it is created before the first name is placed.
    if (!this.groups.get(kind)?.length) this.place(kind, [], 0);
    const matcher = ownName ?? rule.ruleName;
    const size = ruleNameSize(matcher);
    const groups = this.groups.get(kind)!;
    const index = groups.findIndex(group => group.rule === rule);
    if (index <= 0) {
      this.place(kind, [matcher], size);
      return;
    }
    const watcher = groups[index - 1];
    const own = groups[index];
    // The first rule keeps its room for the second rule's name (see monitoringTamperKind); a later one gives up one
    // name of another rule, which the new rule takes.
    const given = index > 1 ? watcher.matchers.findIndex(name => !groups.some(group => ruleNameOf(group.rule) === name)) : -1;
    if (given >= 0) {
      const [name] = watcher.matchers.splice(given, 1);
      watcher.size -= ruleNameSize(name);
      own.matchers.push(name);
      own.size += ruleNameSize(name);
    }
    watcher.matchers.push(matcher);
    watcher.size += size;
  }

  /**
   * The monitoring-tamper kind: its first rule also watches the alert topic, its subscriptions, its key (of this app)
   * and the first `SecretsTrail` of this stack (found when the template is rendered: a trail may be created after the
   * monitoring); every rule watches its group of the monitoring's rules. A trail of another stack is not watched: its
   * name is known to this stack only through an export, which would tie the stacks together (and a trail of another
   * region cannot be named at all). Its own stack's monitoring watches it.
   */
  private monitoringTamperKind(): RuleKind {
    const stack = Stack.of(this);
    const topic = this.alertTopic;
    const key = this.alertTopicKey();
    // The first rule: the topic, its subscriptions and the trail, and the second rule's name (see watchRule). The
    // trail is found when the template is rendered, so it goes where no rule names are placed.
    const fixed = (trails: string[]): any[] => [
      // The topic by the end of its ARN, `:<name>` (a name cannot hold a colon, so no other name ends so): a pattern's
      // 2,048 characters must hold a topic ARN of up to 303 characters twice, and the trails.
      {
        eventSource: ['sns.amazonaws.com'],
        eventName: TOPIC_EVENTS,
        requestParameters: { topicArn: [{ suffix: `:${topicName(topic.topicArn)}` }] },
      },
      // A subscription's ARN is the topic's ARN, a colon and the subscription's ID (as the SNS API reference's
      // examples show them): matched by that prefix, which no other topic's subscriptions share (a topic name cannot
      // hold a colon).
      {
        eventSource: ['sns.amazonaws.com'],
        eventName: SUBSCRIPTION_EVENTS,
        requestParameters: { subscriptionArn: [{ prefix: `${topic.topicArn}:` }] },
      },
      // A trail by name, or by ARN (which ends in `:trail/<name>`; a name cannot hold a slash). Every successful call
      // that names it, which takes no event name list (the room it would take is the second rule's name): StopLogging
      // "is the only way to stop recording", DeleteTrail, UpdateTrail, PutEventSelectors and PutInsightSelectors change
      // what it records, and StartLogging is alerted too. The first three name the trail by `Name`, "the name or the
      // CloudTrail ARN of the trail" (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html),
      // the selector calls by `TrailName`, likewise name or ARN
      // (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html); CloudTrail's own
      // example records StartLogging's as `requestParameters.name`, an ARN
      // (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference.html). An ENABLED rule
      // matches "except for read-only AWS management events delivered through CloudTrail", though read-only events "that
      // don't start with Describe, Get, or List" may arrive anyway
      // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html): the
      // trail's read calls (GetTrailStatus, GetEventSelectors) start with Get.
      ...(trails.length ? [{
        eventSource: ['cloudtrail.amazonaws.com'],
        $or: ['name', 'trailName'].map(parameter => ({
          requestParameters: { [parameter]: trails.flatMap(name => [name, { suffix: concat('/', name) }]) },
        })),
      }] : []),
    ];
    // The second rule, beside its group of rule names: the topic's key (of this app), and the alarms that notify the
    // topic from this stack, by the start of their names.
    const keyCalls = key ? [{ eventSource: ['kms.amazonaws.com'], eventName: KEY_CHANGE_EVENTS, resources: { ARN: keyMatchers(key) } }] : [];
    const alarms = [{ prefix: this.alarmNamePrefix }];
    const alarmCalls = {
      eventSource: ['monitoring.amazonaws.com'],
      eventName: ALARM_SILENCING_EVENTS,
      $or: [{ alarmName: alarms }, { alarmNames: alarms }, { muteTargets: { alarmNames: alarms } }]
        .map(parameter => ({ requestParameters: parameter })),
    };
    const trailNames = () => this.stackTrailNames();
    return {
      id: 'MonitoringTamper',
      source: 'aws.events',
      description: `Calls that switch off or change the secret monitoring of ${stack.stackName}: its rules, alarms, alert topic, subscriptions, topic key and trail`,
      pattern: (matchers, group) => {
        // The calls name a rule in `Name` or in `Rule`, never both: one entry for both, the shorter form.
        const ruleCalls = [{
          eventSource: ['events.amazonaws.com'],
          eventName: [...RULE_NAME_EVENTS, ...RULE_TARGET_EVENTS],
          $or: [{ requestParameters: { name: matchers } }, { requestParameters: { rule: matchers } }],
        }];
        return {
          // Each rule names the sources of its own calls, which keeps the first rule within 2,048 characters.
          source: group === 0 ? ['aws.sns', 'aws.cloudtrail', 'aws.events']
            : ['aws.events', ...(group === 1 ? ['aws.monitoring', ...(key ? ['aws.kms'] : [])] : [])],
          detailType: ['AWS API Call via CloudTrail'],
          detail: {
            // Successful calls only: a refused call changed nothing.
            errorCode: [{ exists: false }] as any,
            // The first rule is rendered at synth: the trails of the stack are found then. Its names are the second
            // rule's (see watchRule). A rule after the second has its rule calls alone, which `$or` cannot hold (it
            // takes alternatives).
            ...(group === 0 ? { $or: Lazy.uncachedAny({ produce: () => [...fixed(trailNames()), ...ruleCalls] }) }
              : group === 1 ? { $or: [...ruleCalls, ...keyCalls, alarmCalls] }
                : ruleCalls[0]),
          },
        };
      },
      matchers: () => [],
      // No alarm, as for the key-change rule: every deployment that changes the monitoring makes these calls.
      message: () => monitoringTamperMessage(stack.stackName),
      named: true,
      // The first rule takes no rule names but the second rule's: it is full from the start.
      measure: (measuredStack, pattern, group) => group === 0 ? PATTERN_SIZE_LIMIT : this.tamperPatternLength(measuredStack.resolve(pattern)),
    };
  }

  /** The deployed length of a resolved monitoring-tamper pattern, at its longest. */
  private tamperPatternLength(resolved: any): number {
    const stack = Stack.of(this);
    const trails = new Set(this.stackTrailNames().map(name => refOf(stack, name)));
    const topicRef = refOf(stack, this.alertTopic.topicArn);
    const key = this.alertTopicKey();
    const keyRef = key ? refOf(stack, key.keyId) : undefined;
    const lengths = (logicalId?: string): string => {
      if (logicalId === undefined) return LONGEST_TOPIC_ARN;
      if (logicalId === topicRef) return LONGEST_TOPIC_ARN;
      // A key of another stack (an export, or a nested stack's parameter, once the app is prepared) is measured at the
      // longest any reference is, as the validation will see it, not at the length of a key ID.
      if (logicalId === keyRef) return key && Stack.of(key) === stack ? 'x'.repeat(KEY_ID_LENGTH) : LONGEST_TOPIC_ARN;
      if (trails.has(logicalId)) return 'x'.repeat(TRAIL_NAME_LENGTH);
      // Any other Ref is a rule of the monitoring.
      return 'x'.repeat(RULE_NAME_LENGTH);
    };
    return JSON.stringify(longestDeployed(resolved, lengths)).length;
  }

  /** The name (`Ref`) of the first `SecretsTrail` of this monitoring's stack, if any. */
  private stackTrailNames(): string[] {
    // The first only: an account needs one (a second is charged, and synth warns of it), and one is what fits beside
    // the topic and its key in a pattern of 2,048 characters.
    return secretsTrailsOf(Stack.of(this)).slice(0, 1).map(trail => (trail.trail.node.defaultChild as CfnResource).ref);
  }

  /** The alert topic's key, when it is a key of this app (a key imported by ARN is its own app's to watch). */
  private alertTopicKey(): kms.IKey | undefined {
    const given = this.alertTopic.masterKey;
    const key = given instanceof kms.Alias ? given.aliasTargetKey : given;
    return key && Resource.isOwnedResource(key) ? key : undefined;
  }

  /** The monitoring-tamper rules whose rendered pattern, at its longest, is over EventBridge's limit (more trails than fit). */
  private tamperPatternErrors(): string[] {
    const kind = this.kinds.monitoringTamper;
    return (this.groups.get(kind) ?? []).flatMap(group => {
      const size = this.tamperPatternLength(Stack.of(this).resolve((group.rule.node.defaultChild as events.CfnRule).eventPattern));
      return size <= PATTERN_SIZE_LIMIT ? [] : [`the monitoring-tamper rule ${group.rule.node.path} would have an event pattern of up to ${size} characters, `
        + `past EventBridge's ${PATTERN_SIZE_LIMIT} (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html). `
        + 'On a SecretMonitoring of your own, `watchMonitoringTamper: false` leaves this rule out.'];
    });
  }

  private rulesOf(kind: RuleKind): events.Rule[] {
    return (this.groups.get(kind) ?? []).map(group => group.rule);
  }

  private alarmsOf(kind: RuleKind): cloudwatch.Alarm[] {
    return (this.groups.get(kind) ?? []).flatMap(group => group.alarm ? [group.alarm] : []);
  }

  /**
   * The sum of a metric over the rules `rulesNow` gives, remembered so the synth can tell when more rules came after:
   * a metric (and an alarm on it) reads only the rules it was made from, and the stack's shared monitoring takes a
   * rule for every few dozen secrets that join it.
   */
  private metricOver(
    method: string, rulesNow: () => events.IRule[], metric: (rule: events.IRule) => cloudwatch.Metric, props?: cloudwatch.MetricOptions,
  ): cloudwatch.IMetric | undefined {
    const rules = rulesNow();
    // Also when there is no rule yet (undefined): an alarm skipped for it would stay skipped once rules come.
    this.metricsHandedOut.push({ method, count: rules.length, rulesNow });
    return sumOverRules(rules, metric, props);
  }

  /** `metricOver` for the kinds every watched secret has: refused before the first secret, rather than undefined. */
  private requiredMetric(method: string, rulesNow: () => events.IRule[], props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const metric = this.metricOver(method, rulesNow, rule => triggeredRules(rule, props), props);
    if (!metric) {
      throw new Error(`SecretMonitoring ${this.node.path}: ${method}() has no rule yet to measure: call it after addSecret (for a stack's shared monitoring, after the secrets that join it are created).`);
    }
    return metric;
  }

  private outgrownMetricErrors(): string[] {
    return this.metricsHandedOut.flatMap(({ method, count, rulesNow }) => {
      const now = rulesNow().length;
      return now === count ? [] : [`${method}() was called when the monitoring had ${count} rule${count === 1 ? '' : 's'} of its kind`
        + `${count === 0 ? ' (it returned undefined)' : ''}; it now has ${now} `
        + '(more secrets joined it after), and the metric, with any alarm on it, reads only the rules it was made from. '
        + 'Call it after every secret the monitoring watches is created (at the end of the stack), or use the monitoring\'s own alarms.'];
    });
  }

  private target(message: events.RuleTargetInput): events.IRuleTarget {
    const topic = this.alertTopic;
    // SecretAlertTopic.allowPublishers already let the rules publish (the topic statement EventBridge needs) and use
    // the key for topics of this account only; the stock target would add a second statement to the topic and an
    // unscoped one to its key.
    return { bind: () => ({ arn: topic.topicArn, input: message }) };
  }

  private alarm(id: string, metric: cloudwatch.Metric, description: string[]): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: truncate(description.join(' '), 1024),
    });
    alarm.addAlarmAction(this.alarmAction);
    nameAlarm(alarm, this.alarmNamePrefix);
    return alarm;
  }
}

markClass(SecretMonitoring, 'SecretMonitoring');

type RuleKindName = 'change' | 'tagChange' | 'rotation' | 'rotationFailed' | 'deprecatedAccess' | 'keyChange' | 'rotationFunctionChange'
  | 'rotationRoleUse';

function ruleKinds(stackName: string): Record<RuleKindName, RuleKind> {
  const apiCall = ['AWS API Call via CloudTrail'];
  const source = 'aws.secretsmanager';
  // One function for the three kinds that match the ARN's end, so addSecret measures it once.
  const arnSuffix = (naming: SecretNaming) => [{ suffix: concat(':secret:', naming.resourceName) }];
  const rotationPattern = (names: string[]) => (matchers: any[]): events.EventPattern => ({
    detailType: ['AWS Service Event via CloudTrail'],
    detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: names, additionalEventData: { SecretId: matchers } },
  });
  return {
    change: {
      id: 'Change',
      source,
      description: `Calls that change the watched secrets of ${stackName}`,
      // Every successful change answers with the secret's full ARN, however the caller named it.
      pattern: matchers => ({
        detailType: apiCall,
        detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: CHANGE_EVENTS, responseElements: { arn: matchers } },
      }),
      matchers: arnSuffix,
      message: changeMessage,
    },
    tagChange: {
      id: 'TagChange',
      source,
      description: `Tags added to or removed from the watched secrets of ${stackName}`,
      // Tagging answers with no response elements (API_TagResource.html, API_UntagResource.html: an empty body), so
      // the secret is matched as the caller named it, as the deprecated-access rule does; successful calls only.
      pattern: matchers => ({
        detailType: apiCall,
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: TAG_EVENTS,
          requestParameters: { secretId: matchers },
          errorCode: [{ exists: false }] as any,
        },
      }),
      matchers: secretIdMatchers,
      message: tagChangeMessage,
    },
    rotation: {
      id: 'Rotation',
      source,
      description: `Rotations of the watched secrets of ${stackName} that succeeded or were abandoned`,
      pattern: rotationPattern(ROTATION_OUTCOME_EVENTS),
      matchers: arnSuffix,
      message: rotationMessage,
    },
    rotationFailed: {
      id: 'RotationFailed',
      source,
      description: `Failed rotations of the watched secrets of ${stackName}`,
      pattern: rotationPattern([ROTATION_FAILED_EVENT]),
      matchers: arnSuffix,
      message: rotationFailedMessage,
      alarmDescription: ['A rotation of a watched secret failed (the alert message names it).', ...rotationFailedSteps(SECRET_ARN_PLACEHOLDER)],
    },
    deprecatedAccess: {
      id: 'DeprecatedAccess',
      source,
      description: `Reads of AWSPREVIOUS and any use while scheduled for deletion of the watched secrets of ${stackName}`,
      pattern: matchers => ({
        detailType: apiCall,
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          requestParameters: { secretId: matchers },
          $or: [
            { eventName: ['GetSecretValue'], requestParameters: { versionStage: ['AWSPREVIOUS'] } },
            { errorMessage: [{ prefix: PENDING_DELETION_MESSAGE }] },
          ],
        },
      }),
      matchers: secretIdMatchers,
      message: deprecatedAccessMessage,
      readOnly: true,
      alarmDescription: [
        'A client used a deprecated version of a watched secret, or a secret while it is scheduled for deletion (the alert names both).',
        'Find the caller in the alert (userIdentity) or in CloudTrail, and make it read AWSCURRENT.',
        `If the secret is still needed, cancel its deletion with \`aws secretsmanager restore-secret --secret-id ${SECRET_ARN_PLACEHOLDER}\`.`,
      ],
    },
    keyChange: {
      id: 'KeyChange',
      source: 'aws.kms',
      description: `Calls that delete, disable, re-policy, grant or stop rotating the keys of the watched secrets of ${stackName}`,
      // The KMS developer guide's CloudTrail examples (https://docs.aws.amazon.com/kms/latest/developerguide/ct-schedule-key-deletion.html,
      // ct-put-key-policy.html, ct-creategrant.html) record the key's full ARN in `resources[].ARN` whether the caller
      // named it by ID or ARN (`requestParameters.keyId` holds it as given). EventBridge's patterns for CloudTrail
      // events match the record's fields under `detail`
      // (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html), and a pattern matches an
      // array in the event when any element matches
      // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html).
      pattern: matchers => ({
        detailType: apiCall,
        detail: {
          eventSource: ['kms.amazonaws.com'],
          eventName: KEY_CHANGE_EVENTS,
          resources: { ARN: matchers },
          // Successful calls only, as the change rule: a refused call changed nothing.
          errorCode: [{ exists: false }] as any,
        },
      }),
      // Keys are placed by watchKey, not with the secrets' matchers.
      matchers: () => [],
      // No alarm, as for the change rule: deployments change key policies, and RDS creates a grant on the key of each
      // database it encrypts with it ("The service creates a grant on behalf of a user in the account",
      // https://docs.aws.amazon.com/kms/latest/developerguide/grants.html). `metricKeyChanges` is there to alarm on.
      message: () => keyChangeMessage(stackName),
    },
    rotationFunctionChange: {
      id: 'RotationFunctionChange',
      source: 'aws.lambda',
      description: `Changes to the code, configuration or permissions of the rotation functions of the watched secrets of ${stackName}`,
      // Lambda's CloudTrail events come to EventBridge as "AWS API Call via CloudTrail" from aws.lambda
      // (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-lambda.html); the function is named as the
      // caller gave it (`requestParameters.functionName`, as in the guide's DeleteFunction example).
      pattern: lambdaCalls(FUNCTION_CHANGE_EVENTS, 'functionName'),
      // Functions are placed by watchFunction, not with the secrets' matchers.
      matchers: () => [],
      // No alarm, as for the key-change rule: deployments change the function. `metricRotationFunctionChanges` is there to alarm on.
      message: () => functionChangeMessage(stackName),
    },
    rotationRoleUse: {
      id: 'RotationRoleUse',
      source: 'aws.lambda',
      description: `Functions given the role of a rotation function of the watched secrets of ${stackName}`,
      pattern: lambdaCalls(ROLE_USE_EVENTS, 'role'),
      // Roles are placed by watchFunction.
      matchers: () => [],
      message: () => roleUseMessage(stackName),
    },
  };
}

/**
 * The function an alias or version (built or imported, `$LATEST` too) belongs to: it runs that function's code and
 * configuration, which the calls name unqualified, in that function's account and region.
 */
function functionOf(given: lambda.IFunction): lambda.IFunction {
  return (given as Partial<lambda.IVersion>).lambda ?? given;
}

/** Successful Lambda calls whose names begin with one of `eventNames` (see FUNCTION_CHANGE_EVENTS), on the matchers' values of `parameter`. */
function lambdaCalls(eventNames: string[], parameter: string): (matchers: any[]) => events.EventPattern {
  return matchers => ({
    detailType: ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['lambda.amazonaws.com'],
      eventName: eventNames.map(name => ({ prefix: name })) as any,
      requestParameters: { [parameter]: matchers },
      errorCode: [{ exists: false }] as any,
    },
  });
}

/**
 * A function's matchers: callers name it by name, full ARN or partial ARN (`123456789012:function:my-function`; the
 * parameter's pattern also takes shorter partial ARNs such as `123456789012:my-function`), and "can append a version
 * number or alias to any of the formats" (https://docs.aws.amazon.com/goto/WebAPI/lambda-2015-03-31/AddPermission,
 * FunctionName); the event records it as given. A name cannot hold `:`, so the suffix `:<name>` matches every ARN of
 * this function (and another function's alias of that exact name: an alert too many, never one too few), and the
 * prefixes `<name>:` and `<ARN>:` a version or alias of it, which runs as the same role: a permission or an event
 * source on a version reaches the secrets too. A version or alias named by a partial ARN is not matched.
 */
function functionMatchers(name: string, arn: string): any[] {
  return [name, { suffix: concat(':', name) }, { prefix: `${name}:` }, { prefix: `${arn}:` }];
}

/**
 * The deployed length of a function's matchers: a name of a function of this app (a reference) at its longest, and
 * any other intrinsic (its ARN, an import) at the longest ARN.
 */
function functionMatchersLength(stack: Stack, matchers: any[]): number {
  const longestArn = `${longestArnPrefix('lambda')}function:${'x'.repeat(FUNCTION_NAME_LENGTH)}`;
  return JSON.stringify(longestDeployed(stack.resolve(matchers), logicalId => logicalId === undefined ? longestArn : 'x'.repeat(FUNCTION_NAME_LENGTH))).length;
}

/**
 * A key's matcher: the end of its ARN in CloudTrail's `resources[].ARN`. A key ID is unique, so the suffix names one
 * key and takes less of the pattern than the full ARN.
 */
function keyMatchers(key: kms.IKey): any[] {
  return [{ suffix: concat(':key/', key.keyId) }];
}

/** The deployed length of a key's matchers: a key of this stack is its ID; anything else (an import) as long as an ARN can be. */
function keyMatchersLength(stack: Stack, matchers: any[]): number {
  return JSON.stringify(longestDeployed(stack.resolve(matchers), logicalId => 'x'.repeat(logicalId === undefined ? 2048 / 8 : KEY_ID_LENGTH))).length;
}

/**
 * How the rules name one secret: the part of its ARN after `secret:` (its name and the six characters Secrets Manager
 * appends) and its name. Tokens, except for a secret of this stack, whose naming is plain CloudFormation built from
 * its one `Ref` (see `secretNaming`).
 */
interface SecretNaming {
  readonly resourceName: any;
  readonly name: any;
  /** Whether the name was chosen (matched exactly) rather than generated by CloudFormation or unknown (by suffix). */
  readonly chosenName: boolean;
  /** Whether the two hold no token. */
  readonly resolved: boolean;
  /** The matchers as the rule stores them until synth. */
  wrap(matchers: any[]): any[];
}

/**
 * The naming of a secret. Resolving a secret's matchers (the ARN's lazy reference, `Fn::Select` and `Fn::Split`
 * around it) was most of what watching it cost at synth, three times over: a rule's pattern is resolved at every pass
 * of a synth (references, the template, tree.json). So a secret resource of this stack, whose ARN resolves to its
 * `Ref`, is named with plain CloudFormation built from that `Ref`, and only its logical ID is looked up again when the
 * rule renders (it may be overridden later). Anything else (an import, a secret of another stack, whose reference
 * needs an export) is named with tokens the synth resolves.
 */
function secretNaming(stack: Stack, secret: secretsmanager.ISecret): SecretNaming {
  return resourceNaming(stack, secretResource(secret), secret.secretArn, () => secret.secretName);
}

/**
 * The naming of the secret `resource` (if any) with ARN `arn`; `importedName` is its name when the secret is named with
 * tokens, by default the name CloudFormation generates (see below), taken from the ARN.
 */
function resourceNaming(
  stack: Stack, resource: secretsmanager.CfnSecret | undefined, secretArn: string,
  importedName = () => Fn.join('-', [0, 1].map(i => Fn.select(i, Fn.split('-', resourceName(secretArn))))),
): SecretNaming {
  // The name the resource was given, if any: aws-cdk-lib's Secret passes its physical name, a token that resolves to
  // nothing when CloudFormation is to generate the name.
  const chosen = resource ? stack.resolve(resource.name) : undefined;
  const chosenName = chosen !== undefined;
  const ownStack = resource !== undefined && Stack.of(resource) === stack;
  const arn = ownStack ? stack.resolve(secretArn) : undefined;
  const logicalId = arn && Object.keys(arn).length === 1 && typeof arn.Ref === 'string' ? arn.Ref : undefined;
  if (!ownStack || logicalId !== stack.resolve(resource.logicalId) || (chosenName && typeof chosen !== 'string')) {
    // A name the resource was given is the secret's name wherever the resource is (aws-cdk-lib's `secretName` of such
    // a secret is a token, which would be matched by suffix).
    const name = chosenName ? resource!.name : importedName();
    return { resourceName: resourceName(secretArn), name, chosenName, resolved: false, wrap: matchers => matchers };
  }
  const resourceNameOf = (id: string) => ({ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: id }] }] });
  // A name CloudFormation generates is `<logical id>-<random>`, the form aws-cdk-lib's Secret parses its `secretName`
  // from too, and Secrets Manager appends `-` and six characters in the ARN
  // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html, Name): the name is the ARN's
  // resource name up to its second dash.
  const generatedName = (id: string) => ({
    'Fn::Join': ['-', [0, 1].map(i => ({ 'Fn::Select': [i, { 'Fn::Split': ['-', resourceNameOf(id)] }] }))],
  });
  return {
    resourceName: resourceNameOf(logicalId),
    name: chosen ?? generatedName(logicalId),
    chosenName,
    resolved: true,
    wrap: matchers => matchers.map(value => new ResolvedMatcher(resource, logicalId, value)),
  };
}

/** The `AWS::SecretsManager::Secret` behind a secret construct, if it has one. */

/** A secret's matcher in plain CloudFormation, naming the secret by the logical ID its resource has when rendered. */
class ResolvedMatcher {
  constructor(private readonly resource: CfnResource, private readonly logicalId: string, private readonly value: any) {}

  public render(context: IResolveContext): any {
    const current = context.resolve(this.resource.logicalId);
    return current === this.logicalId ? this.value : renameRefs(this.value, this.logicalId, current);
  }
}

function renameRefs(value: any, from: string, to: string): any {
  if (Array.isArray(value)) return value.map(inner => renameRefs(inner, from, to));
  if (value === null || typeof value !== 'object') return value;
  if (value.Ref === from) return { Ref: to };
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, renameRefs(inner, from, to)]));
}

function render(matcher: any, context: IResolveContext): any {
  return matcher instanceof ResolvedMatcher ? matcher.render(context) : matcher;
}

/** A topic's name: the last part of its ARN (`arn:<partition>:sns:<region>:<account>:<name>`). */
function topicName(topicArn: string): string {
  if (!Token.isUnresolved(topicArn)) return Arn.split(topicArn, ArnFormat.NO_RESOURCE_NAME).resource;
  return Fn.select(5, Fn.split(':', topicArn));
}

/** The logical ID a value of this stack resolves to when it is a `Ref`. */
function refOf(stack: Stack, value: string): string | undefined {
  const resolved = stack.resolve(value);
  return resolved && typeof resolved === 'object' && typeof resolved.Ref === 'string' ? resolved.Ref : undefined;
}

/** `prefix` before a string, a token or a CloudFormation function. */
function concat(prefix: string, value: any): any {
  return typeof value === 'string' ? `${prefix}${value}` : { 'Fn::Join': ['', [prefix, value]] };
}

/** The part of an imported secret's ARN after `secret:`: its name and the six characters Secrets Manager appends. */
function resourceName(arn: string): string {
  if (!Token.isUnresolved(arn)) return Arn.split(arn, ArnFormat.COLON_RESOURCE_NAME).resourceName!;
  return Fn.select(6, Fn.split(':', arn));
}

/**
 * Callers name a secret by full ARN, partial ARN or name, and read events record it as given. Each ARN is matched by
 * what follows the account, so a matcher is shorter than the ARN and a rule holds more secrets. A name CloudFormation
 * generated (`<logical id>-<random>`) cannot be the end of another secret's name, so one `suffix` matches both the name
 * and the partial ARN; a name you chose is matched exactly (a `suffix` of `prod/db` would also match `staging/prod/db`).
 */
function secretIdMatchers(naming: SecretNaming): any[] {
  const name = naming.name;
  const fullArn = { suffix: concat(':secret:', naming.resourceName) };
  const chosen = naming.chosenName || (typeof name === 'string' && !Token.isUnresolved(name));
  if (!chosen) return [{ suffix: name }, fullArn];
  return [name, { suffix: concat(':secret:', name) }, fullArn];
}

/**
 * The length of a value in the deployed pattern, at the longest CloudFormation can make it: a partition of
 * 10 characters, a region of LONGEST_REGION, and generated secret names (`<logical id>-<random>`) with 16 random characters.
 */
function deployedLength(stack: Stack, value: unknown, resolved = false): number {
  // A Ref here names a secret: its ARN with a generated name. Anything else (an import, an attribute of another
  // resource): as long as a secret ARN can be.
  const secretArn = (logicalId?: string) => logicalId === undefined
    ? 'x'.repeat(2048 / 8)
    : `${longestArnPrefix('secretsmanager')}secret:${logicalId}-${'x'.repeat(16)}-xxxxxx`;
  return JSON.stringify(longestDeployed(resolved ? value : stack.resolve(value), secretArn)).length;
}

/** `values` without repeats, compared as JSON (as aws-cdk-lib's event pattern merge compares them). */
function uniqueByJson(values: any[]): any[] {
  const seen = new Set<string>();
  return values.filter(value => {
    const json = JSON.stringify(value);
    if (seen.has(json)) return false;
    seen.add(json);
    return true;
  });
}

function triggeredRules(rule: events.IRule, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return ruleMetric('TriggeredRules', rule, props);
}

const field = (path: string) => events.EventField.fromPath(path);

function tagChangeMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Secrets Manager: ${field('$.detail.eventName')} on ${field('$.detail.requestParameters.secretId')}`
    + ` (tags ${field('$.detail.requestParameters.tags')}${field('$.detail.requestParameters.tagKeys')})`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')} at ${field('$.detail.eventTime')}`
    + ` (account ${events.EventField.account}, ${events.EventField.region}): tags can grant access through policies that test them.`,
  );
}

function deprecatedAccessMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Secrets Manager: ${field('$.detail.eventName')} of ${field('$.detail.requestParameters.secretId')}`
    + ` (version stage ${field('$.detail.requestParameters.versionStage')}, error ${field('$.detail.errorCode')})`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')} at ${field('$.detail.eventTime')}`
    + ` (account ${events.EventField.account}, ${events.EventField.region}): the client uses a deprecated version or a secret scheduled for deletion.`
    + ` Make it read AWSCURRENT; if the secret is still needed, "aws secretsmanager restore-secret --secret-id ${field('$.detail.requestParameters.secretId')}"`
    + ' cancels its deletion.',
  );
}

/**
 * The start of the names of the alarms that notify `topic` from this stack: the monitorings' own alarms and the
 * rotation functions' errors alarms, which the monitorings of that topic share. The monitoring-tamper rules match them
 * by this prefix: a pattern has no room to list every alarm by name, as it lists the rules. The path-based name
 * `Names.uniqueResourceName` gives is unique in the account and region (it starts with the stack's name and ends in a
 * hash of the path), and holds letters and digits only, so no other topic's prefix, which ends in `-`, starts with it.
 */
function alarmNamePrefix(scope: Construct, topic: sns.ITopic): string {
  const id = `AlarmsOf${namingUniqueId(topic)}`;
  const anchor = findOrCreate(sharedRegistry(scope), id, Construct, (anchorScope, anchorId) => new Construct(anchorScope, anchorId));
  return `${Names.uniqueResourceName(anchor, { maxLength: ALARM_NAME_PREFIX_LENGTH - 1 })}-`;
}

/** One scope per stack for alarms shared by several monitorings. */
function sharedRegistry(scope: Construct): Construct {
  const stack = Stack.of(scope);
  const id = 'ProtectedSecretsSharedAlarms';
  return findOrCreate(stack, id, Construct, (registryScope, registryId) => new Construct(registryScope, registryId));
}

function validateProps(scope: SecretMonitoring, props: SecretMonitoringProps): void {
  const errors = new PropErrors('SecretMonitoring', scope);
  errors.addAll(alertDestinationErrors(scope, props));
  errors.throwIfAny();
}

/** The fixed name of a tamper rule (see `place`), or undefined for a rule CloudFormation names. */
function ruleNameOf(rule: events.Rule): string | undefined {
  return (rule.node.defaultChild as events.CfnRule).name;
}

/**
 * The characters a rule name takes in a monitoring-tamper pattern, at its longest: twice (the pattern names it in
 * `name` and in `rule`), quoted, with a comma; a `Ref` (a name CloudFormation gives) at the longest a name can be.
 */
function ruleNameSize(name: string): number {
  const length = Token.isUnresolved(name) ? RULE_NAME_LENGTH : name.length;
  return 2 * (JSON.stringify('x'.repeat(length)).length + 1);
}
