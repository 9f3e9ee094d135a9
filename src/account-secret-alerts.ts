import { Annotations, Stack, Token, aws_cloudwatch as cloudwatch, aws_cloudwatch_actions as cloudwatchActions, aws_events as events, aws_sns as sns } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { alertDestination, alertDestinationErrors, subscribe } from './private/alert-destination';
import { DeliveryAlarms, failedInvocations, sumOverRules } from './private/delivery-alarms';
import { hasMarker, markClass } from './private/marker';
import {
  WITH_READ_ONLY_EVENTS, changeMessage, managedMasterPasswordMessage, masterPasswordResetMessage, rotationFailedMessage, snapshotSharingMessage,
} from './private/monitoring';
import { warnWithoutTrail } from './private/trail-check';
import { PropErrors } from './private/validation';
import { SecretAlertDestinationOptions, SecretMonitoring } from './secret-monitoring';

/**
 * Calls that change which secrets exist or who may use them: a replica is a copy of the secret in another region
 * (ReplicateSecretToRegions makes one, RemoveRegionsFromReplication deletes it, StopReplicationToReplica makes it a
 * secret of its own: https://docs.aws.amazon.com/secretsmanager/latest/userguide/replicate-secrets.html).
 */
const LIFECYCLE_EVENTS = [
  'CreateSecret', 'DeleteSecret', 'RestoreSecret', 'PutResourcePolicy', 'DeleteResourcePolicy',
  'ReplicateSecretToRegions', 'RemoveRegionsFromReplication', 'StopReplicationToReplica',
  // A copy in another account, outside the secret's policy (see CHANGE_EVENTS in secret-monitoring.ts).
  'AssociateCrossAccountReplica', 'DisassociateCrossAccountReplica',
];

/**
 * RDS's own events for the master user's password, which RDS sends to EventBridge directly (no trail needed, "Delivery
 * type: Best effort", https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-rds.html): "Reset master
 * credentials" (RDS-EVENT-0016, of a DB instance and of a DB cluster) and "Unable to reset your password"
 * (RDS-EVENT-0067, of a DB instance), in the event tables of
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html and
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Events.Messages.html. The event carries the ID in
 * `detail.EventID` (the example event of https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-cloud-watch-events.html).
 */
const MASTER_PASSWORD_EVENTS = ['RDS-EVENT-0016', 'RDS-EVENT-0067'];

/** The error codes CloudTrail records when a policy refuses a call (IAM, resource policy, SCP or key policy). */
const ACCESS_DENIED_CODES = ['AccessDenied', 'AccessDeniedException'];

/**
 * Properties for an `AccountSecretAlerts`.
 */
export interface AccountSecretAlertsProps extends SecretAlertDestinationOptions {
  /**
   * Alert on every Secrets Manager call a policy refused (`AccessDenied`), reads included. Reads are read-only
   * events: the rule receives them in the `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` state, and only while the
   * trail logs read events.
   * @default true
   */
  readonly watchAccessDenied?: boolean;

  /**
   * Alert when Amazon RDS resets, or fails to reset, the master user's password of any database of the account
   * (`ModifyDBInstance` or `ModifyDBCluster` with `MasterUserPassword`, from the console, the CLI or a deployment),
   * and when such a call hands the password to a secret RDS manages (`ManageMasterUserPassword`). Either goes around
   * the library's secret: whoever makes it can log in as the master user, and the database's secret no longer logs
   * in. RDS sends the reset events itself (no trail needed); the hand-over is an API call a trail must log.
   * @default true
   */
  readonly watchMasterPasswordResets?: boolean;

  /**
   * Alert when a manual snapshot of any RDS database or Aurora cluster of the account is shared with another account
   * or made public (`ModifyDBSnapshotAttribute` or `ModifyDBClusterSnapshotAttribute` adding accounts to `restore`).
   * A snapshot holds the data and the database users' password verifiers, out of reach of every secret's policy.
   * These are API calls: a trail must log them.
   * @see https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSnapshotAttribute.html
   * @default true
   */
  readonly watchSnapshotSharing?: boolean;
}

/**
 * Alerts on every secret of the account in this region, including secrets no stack of yours created: any secret
 * created, deleted, restored or replicated, any resource policy put or deleted, any rotation that failed, any call a policy
 * refused, any database master password that Amazon RDS reset or handed to a secret of its own (which goes around
 * the library's secrets), and any manual database snapshot shared outside the account. Create one per account and
 * region (a second one in the same app and environment, or in the same stack without an `env`, fails at synth; across
 * apps, each would send every alert again). Beside a `SecretMonitoring` of the same stack both use the stack's alert
 * topic by default, so an event both match reaches it twice (synth warns, `cdk-protected-secrets:duplicate-alerts`): give
 * this one its own stack or `alertTopic`.
 *
 * Six rules, none with a wildcard, whatever the number of secrets.
 */
export class AccountSecretAlerts extends Construct {
  /** Whether `x` is an `AccountSecretAlerts`, across copies of this library. */
  public static isAccountSecretAlerts(x: any): x is AccountSecretAlerts {
    return hasMarker(x, 'AccountSecretAlerts');
  }

  /** The topic alerts go to. */
  public readonly alertTopic: sns.ITopic;
  /** Matches secrets created, deleted (scheduled), restored or replicated, and resource policies put or deleted. */
  public readonly lifecycleRule: events.Rule;
  /** Matches failed rotations of any secret. */
  public readonly rotationFailedRule: events.Rule;
  /** Matches Secrets Manager calls refused by a policy, when watched. */
  public readonly accessDeniedRule?: events.Rule;
  /** Matches master password resets (and failed resets) of any RDS database of the account, when watched. */
  public readonly masterPasswordResetRule?: events.Rule;
  /** Matches calls that hand any RDS database's master password to a secret RDS manages, when resets are watched. */
  public readonly managedMasterPasswordRule?: events.Rule;
  /** Matches manual snapshots of any RDS database or Aurora cluster of the account shared outside it, when watched. */
  public readonly snapshotSharingRule?: events.Rule;
  /**
   * Alarms when EventBridge could not deliver alerts of these rules to the topic (their `FailedInvocations`): a topic
   * or key policy that refuses EventBridge would otherwise drop every alert unseen.
   */
  public readonly alertDeliveryAlarm: cloudwatch.Alarm;

  private readonly delivery: DeliveryAlarms;

  constructor(scope: Construct, id: string, props: AccountSecretAlertsProps = {}) {
    super(scope, id);
    validateProps(this, props);

    const destination = alertDestination(this, props);
    this.alertTopic = destination.topic;
    subscribe(destination.sharedTopic, props);
    this.delivery = new DeliveryAlarms(this, new cloudwatchActions.SnsAction(this.alertTopic), `the account alerts ${this.node.path}`);
    this.lifecycleRule = this.watchLifecycle();
    this.rotationFailedRule = this.watchFailedRotations();
    if (props.watchAccessDenied ?? true) this.accessDeniedRule = this.watchAccessDenied();
    if (props.watchMasterPasswordResets ?? true) {
      this.masterPasswordResetRule = this.watchMasterPasswordResets();
      this.managedMasterPasswordRule = this.watchManagedMasterPasswords();
    }
    if (props.watchSnapshotSharing ?? true) this.snapshotSharingRule = this.watchSnapshotSharing();
    this.alertDeliveryAlarm = this.delivery.alarms[0];
    warnWithoutTrail(this, {
      trail: () => props.trail,
      needsReadEvents: () => this.accessDeniedRule !== undefined,
      readAlerts: 'refused reads',
      readAlertsOff: 'watchAccessDenied: false',
    });
    this.node.addValidation({ validate: () => this.duplicates() });
    this.node.addValidation({ validate: () => this.warnOfSharedTopic() });
  }

  /**
   * The number of alerts EventBridge could not deliver to the topic, summed over the rules (EventBridge
   * `FailedInvocations`).
   * @default - sum over 5 minutes
   */
  public metricAlertDeliveryFailures(props?: cloudwatch.MetricOptions): cloudwatch.IMetric {
    const rules = [
      this.lifecycleRule, this.rotationFailedRule, this.accessDeniedRule, this.masterPasswordResetRule, this.managedMasterPasswordRule,
      this.snapshotSharingRule,
    ]
      .filter((rule): rule is events.Rule => rule !== undefined);
    return sumOverRules(rules, rule => failedInvocations(rule, props), props)!;
  }

  /** Secrets created, deleted, restored or replicated, and resource policies put or deleted: successful calls only. */
  private watchLifecycle(): events.Rule {
    return this.rule('LifecycleRule', 'Any secret of the account created, deleted, restored or replicated, or its resource policy changed', {
      detailType: ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: LIFECYCLE_EVENTS,
        // Successful calls only: refused ones are the access-denied rule's.
        errorCode: [{ exists: false }] as any,
      },
    }, changeMessage());
  }

  /** "AWS Service Event via CloudTrail": an event Secrets Manager records itself, not an API call (see SecretMonitoring). */
  private watchFailedRotations(): events.Rule {
    return this.rule('RotationFailedRule', 'Any failed rotation of a secret of the account', {
      detailType: ['AWS Service Event via CloudTrail'],
      detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: ['RotationFailed'] },
    }, rotationFailedMessage());
  }

  private watchAccessDenied(): events.Rule {
    const rule = this.rule('AccessDeniedRule', 'Any Secrets Manager call of the account refused by a policy', {
      detailType: ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['secretsmanager.amazonaws.com'], errorCode: ACCESS_DENIED_CODES },
    }, accessDeniedMessage());
    (rule.node.defaultChild as events.CfnRule).state = WITH_READ_ONLY_EVENTS;
    return rule;
  }

  /** RDS's events, not CloudTrail's: they come whether or not a trail logs the call that reset the password. */
  private watchMasterPasswordResets(): events.Rule {
    return this.rule('MasterPasswordResetRule', 'Any master password of an RDS database of the account reset around Secrets Manager', {
      source: ['aws.rds'],
      detailType: ['RDS DB Instance Event', 'RDS DB Cluster Event'],
      detail: { EventID: MASTER_PASSWORD_EVENTS },
    }, masterPasswordResetMessage());
  }

  /**
   * "If the DB instance doesn't manage the master user password with Amazon Web Services Secrets Manager, you can turn
   * on this management" (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html,
   * ManageMasterUserPassword; ModifyDBCluster alike): RDS then sets a password of its own and keeps it in a secret it
   * manages (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html), outside the library's
   * policies. Whether RDS reports that as RDS-EVENT-0016 AWS does not say, so the call itself is matched (CloudTrail
   * records the parameter as `manageMasterUserPassword`). Successful calls that turn it on only.
   */
  private watchManagedMasterPasswords(): events.Rule {
    return this.rdsCallRule('ManagedMasterPasswordRule', 'Any master password of an RDS database of the account handed to a secret RDS manages',
      ['ModifyDBInstance', 'ModifyDBCluster'], { manageMasterUserPassword: [true] }, managedMasterPasswordMessage());
  }

  /**
   * "To share a manual DB snapshot with other AWS accounts, specify restore as the AttributeName and use the
   * ValuesToAdd parameter ... Uses the value all to make the manual DB snapshot public"
   * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSnapshotAttribute.html; the cluster
   * snapshot call alike). CloudTrail records the parameters in camel case (`valuesToAdd`). Successful calls that add
   * accounts only: removing them takes access away.
   */
  private watchSnapshotSharing(): events.Rule {
    return this.rdsCallRule('SnapshotSharingRule', 'Any manual RDS snapshot of the account shared with another account or made public',
      ['ModifyDBSnapshotAttribute', 'ModifyDBClusterSnapshotAttribute'], { valuesToAdd: [{ exists: true }] }, snapshotSharingMessage());
  }

  /** Successful Amazon RDS API calls, as CloudTrail records them, with the given request parameters. */
  private rdsCallRule(id: string, description: string, eventName: string[], requestParameters: Record<string, any[]>,
    message: events.RuleTargetInput): events.Rule {
    return this.rule(id, description, {
      source: ['aws.rds'],
      detailType: ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['rds.amazonaws.com'], eventName, errorCode: [{ exists: false }] as any, requestParameters },
    }, message);
  }

  private rule(id: string, description: string, pattern: events.EventPattern, message: events.RuleTargetInput): events.Rule {
    const rule = new events.Rule(this, id, { description, eventPattern: { source: ['aws.secretsmanager'], ...pattern } });
    const topic = this.alertTopic;
    // As in SecretMonitoring: alertDestination already let the rules publish and use the key for topics of this
    // account only; the stock target would add a second statement to the topic and an unscoped one to its key.
    rule.addTarget({ bind: () => ({ arn: topic.topicArn, input: message }) });
    this.delivery.watch(rule);
    return rule;
  }

  /**
   * Another `AccountSecretAlerts` of the same account and region in this app would send every alert twice: one of an
   * environment-agnostic stack only in the same stack, which is surely the same account and region.
   */
  private duplicates(): string[] {
    const env = (c: Construct) => `${Stack.of(c).account}/${Stack.of(c).region}`;
    const mine = env(this);
    const agnostic = Token.isUnresolved(Stack.of(this).account) || Token.isUnresolved(Stack.of(this).region);
    const others = this.node.root.node.findAll()
      .filter(c => c !== this && AccountSecretAlerts.isAccountSecretAlerts(c) && (agnostic ? Stack.of(c) === Stack.of(this) : env(c) === mine));
    return others.length
      ? [`AccountSecretAlerts ${this.node.path}: ${others.map(o => o.node.path).join(', ')} already alerts on account and region ${agnostic ? 'of its stack' : mine}; keep one per account and region.`]
      : [];
  }

  /**
   * A `SecretMonitoring` that publishes to this topic and watches secrets alerts on events these rules match too (a
   * failed rotation, a deletion, a resource policy put: CHANGE_EVENTS and LIFECYCLE_EVENTS overlap), so each reaches
   * the topic twice. A warning, not an error: some teams want the account-wide and the per-secret view on one topic.
   * Checked at synth, when both have their secrets. Returns no error.
   */
  private warnOfSharedTopic(): string[] {
    const sharing = this.node.root.node.findAll()
      .filter((c): c is SecretMonitoring => hasMarker(c, 'SecretMonitoring') && (c as SecretMonitoring).alertTopic === this.alertTopic)
      .filter(monitoring => monitoring.changeRules.length > 0 || monitoring.rotationFailedRules.length > 0);
    if (sharing.length > 0) {
      Annotations.of(this).addWarningV2('cdk-protected-secrets:duplicate-alerts', `AccountSecretAlerts ${this.node.path} and the SecretMonitoring `
        + `${sharing.map(m => m.node.path).join(', ')} publish to the same topic, so an event on a secret the monitoring watches (created, `
        + 'deleted, its resource policy put or deleted, replicated, a failed rotation) arrives twice. Give the AccountSecretAlerts its own `alertTopic` '
        + '(or its own stack), or acknowledge this warning if you want both on one topic.');
    }
    return [];
  }
}

markClass(AccountSecretAlerts, 'AccountSecretAlerts');

function accessDeniedMessage(): events.RuleTargetInput {
  const field = (path: string) => events.EventField.fromPath(path);
  return events.RuleTargetInput.fromText(
    `Secrets Manager refused ${field('$.detail.eventName')} of ${field('$.detail.requestParameters.secretId')}`
    + ` to ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')} at ${field('$.detail.eventTime')}`
    + ` (account ${events.EventField.account}, ${events.EventField.region}): ${field('$.detail.errorMessage')}`,
  );
}

function validateProps(scope: AccountSecretAlerts, props: AccountSecretAlertsProps): void {
  const errors = new PropErrors('AccountSecretAlerts', scope);
  errors.addAll(alertDestinationErrors(scope, props));
  errors.throwIfAny();
}
