import {
  Arn,
  ArnFormat,
  Duration,
  Names,
  Stack,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  aws_events as events,
  aws_lambda as lambda,
  aws_secretsmanager as secretsmanager,
  aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { SecretAlertTopic } from './secret-alert-topic';

/** Calls that change a secret, its policy, its rotation, its replicas or its deletion. */
const CHANGE_EVENTS = [
  'CreateSecret', 'PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage',
  'PutResourcePolicy', 'DeleteResourcePolicy',
  'DeleteSecret', 'RestoreSecret',
  'RotateSecret', 'CancelRotateSecret',
  'ReplicateSecretToRegions', 'RemoveRegionsFromReplication', 'StopReplicationToReplica',
];

/** Events Secrets Manager itself records when a rotation ends. */
const ROTATION_OUTCOME_EVENTS = ['RotationSucceeded', 'RotationAbandoned'];
const ROTATION_FAILED_EVENT = 'RotationFailed';

/** The state that makes a rule see read-only calls such as GetSecretValue, which rules otherwise never match. */
const WITH_READ_ONLY_EVENTS = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

/** What Secrets Manager answers when anyone uses a secret that is scheduled for deletion. */
const PENDING_DELETION_ERROR = '*marked for deletion*';

/**
 * Options to monitor a secret, as `ProtectedSecret` and the database constructs take them.
 */
export interface MonitoringOptions {
  /**
   * Whether to monitor the secret at all.
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * The SNS topic alerts go to. A topic from elsewhere must already let EventBridge (for rules) and CloudWatch
   * (for alarms) publish, and use its key if it is encrypted; the construct adds the EventBridge grant.
   * @default - the stack's shared `SecretAlertTopic` (one KMS-encrypted topic per stack)
   */
  readonly alertTopic?: sns.ITopic;

  /**
   * Email addresses to subscribe to the alert topic. Only with the shared topic; subscribe to your own topic yourself.
   * @default - no subscriptions
   */
  readonly alertEmails?: string[];

  /**
   * Alert when a client reads the `AWSPREVIOUS` version or uses the secret while it is scheduled for deletion.
   * These are read-only CloudTrail events, which only a rule in the `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`
   * state receives.
   * @default true
   */
  readonly watchDeprecatedAccess?: boolean;
}

/**
 * Properties for a `SecretMonitoring`.
 */
export interface SecretMonitoringProps {
  /** The secrets to watch. All rules and alarms cover every secret in the list. */
  readonly secrets: secretsmanager.ISecret[];

  /**
   * The SNS topic alerts go to. A topic from elsewhere must already let EventBridge (for rules) and CloudWatch
   * (for alarms) publish, and use its key if it is encrypted; the construct adds the EventBridge grant.
   * @default - the stack's shared `SecretAlertTopic` (one KMS-encrypted topic per stack)
   */
  readonly alertTopic?: sns.ITopic;

  /**
   * Email addresses to subscribe to the alert topic. Only with the shared topic; subscribe to your own topic yourself.
   * @default - no subscriptions
   */
  readonly alertEmails?: string[];

  /**
   * Rotation functions of these secrets: each gets an alarm on its `Errors` metric.
   * More can be added with `addRotationFunction`.
   * @default - none
   */
  readonly rotationFunctions?: lambda.IFunction[];

  /**
   * Alert when a client reads the `AWSPREVIOUS` version or uses the secret while it is scheduled for deletion.
   * @default true
   */
  readonly watchDeprecatedAccess?: boolean;
}

/**
 * Alerts for secrets, from the CloudTrail events Secrets Manager records: EventBridge rules on changes to the
 * secrets, on rotation outcomes and on access to deprecated versions, each sending a readable message to an SNS
 * topic, and CloudWatch alarms on failed rotations and deprecated access.
 *
 * No trail is needed: CloudTrail sends these events to the account's default event bus in every region it is
 * enabled in, which is always. Delivery is best effort, as for every CloudTrail event in EventBridge.
 */
export class SecretMonitoring extends Construct {
  /** The topic alerts go to. */
  public readonly alertTopic: sns.ITopic;
  /** Matches calls that change the secrets (value, policy, rotation, replication, deletion). */
  public readonly changeRule: events.Rule;
  /** Matches rotations that succeeded or were abandoned. */
  public readonly rotationRule: events.Rule;
  /** Matches rotations that failed. */
  public readonly rotationFailedRule: events.Rule;
  /** Matches reads of `AWSPREVIOUS` and any use of a secret scheduled for deletion, when watched. */
  public readonly deprecatedAccessRule?: events.Rule;
  /** Alarms when a rotation fails. */
  public readonly rotationFailedAlarm: cloudwatch.Alarm;
  /** Alarms when a client uses a deprecated version or a secret scheduled for deletion, when watched. */
  public readonly deprecatedAccessAlarm?: cloudwatch.Alarm;

  private readonly alarmAction: cloudwatch.IAlarmAction;
  private readonly sharedTopic?: SecretAlertTopic;
  private readonly secretLabel: string;

  constructor(scope: Construct, id: string, props: SecretMonitoringProps) {
    super(scope, id);
    validateProps(this, props);

    this.sharedTopic = props.alertTopic ? undefined : SecretAlertTopic.shared(this);
    this.alertTopic = props.alertTopic ?? this.sharedTopic!.topic;
    SecretAlertTopic.allowPublishers(this.alertTopic);
    for (const email of props.alertEmails ?? []) this.sharedTopic?.addEmail(email);
    this.alarmAction = new cloudwatchActions.SnsAction(this.alertTopic);
    this.secretLabel = props.secrets.map(secret => secret.node.path).join(', ');

    const arns = props.secrets.map(secret => secret.secretArn);
    // Callers name a secret by full ARN, partial ARN or name; read events record it as given.
    const identifiers = props.secrets.flatMap(secret => secretIdentifiers(secret));

    this.changeRule = this.rule('ChangeRule', `Calls that change ${this.secretLabel}`, {
      detailType: ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: CHANGE_EVENTS,
        // Every successful change answers with the secret's full ARN, however the caller named it.
        responseElements: { arn: arns },
      },
    }, changeMessage());

    const rotationPattern = (names: string[]): events.EventPattern => ({
      detailType: ['AWS Service Event via CloudTrail'],
      detail: {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: names,
        additionalEventData: { SecretId: arns },
      },
    });
    this.rotationRule = this.rule('RotationRule', `Rotations of ${this.secretLabel} that succeeded or were abandoned`,
      rotationPattern(ROTATION_OUTCOME_EVENTS), rotationMessage());
    this.rotationFailedRule = this.rule('RotationFailedRule', `Failed rotations of ${this.secretLabel}`,
      rotationPattern([ROTATION_FAILED_EVENT]), rotationMessage());

    this.rotationFailedAlarm = this.alarm('RotationFailedAlarm', this.metricRotationFailures(), [
      `A rotation of ${this.secretLabel} failed: AWSCURRENT still holds the previous, working value.`,
      'Read the rotation function\'s log for the secret ARN (it names the step and the cause), fix the cause,',
      'then rotate again with `aws secretsmanager rotate-secret --secret-id <arn>`.',
    ]);

    if (props.watchDeprecatedAccess ?? true) {
      this.deprecatedAccessRule = this.rule('DeprecatedAccessRule',
        `Reads of AWSPREVIOUS and any use of ${this.secretLabel} while scheduled for deletion`, {
          detailType: ['AWS API Call via CloudTrail'],
          detail: {
            eventSource: ['secretsmanager.amazonaws.com'],
            requestParameters: { secretId: identifiers },
            $or: [
              { eventName: ['GetSecretValue'], requestParameters: { versionStage: ['AWSPREVIOUS'] } },
              { errorMessage: [{ wildcard: PENDING_DELETION_ERROR }] },
            ],
          },
        }, deprecatedAccessMessage());
      (this.deprecatedAccessRule.node.defaultChild as events.CfnRule).state = WITH_READ_ONLY_EVENTS;
      this.deprecatedAccessAlarm = this.alarm('DeprecatedAccessAlarm', this.metricDeprecatedAccess()!, [
        `A client used a deprecated version of ${this.secretLabel}, or the secret while it is scheduled for deletion.`,
        'Find the caller in the alert (userIdentity) or in CloudTrail, and make it read AWSCURRENT.',
        'If the secret is still needed, cancel its deletion with `aws secretsmanager restore-secret`.',
      ]);
    }

    for (const fn of props.rotationFunctions ?? []) this.addRotationFunction(fn);
  }

  /**
   * Adds an alarm on a rotation function's `Errors` metric. A function is alarmed once per alert topic and stack,
   * however many monitorings add it, so a shared rotation function gets one alarm.
   */
  public addRotationFunction(fn: lambda.IFunction): cloudwatch.IAlarm {
    const registry = sharedRegistry(this);
    const id = `RotationErrors${Names.nodeUniqueId(fn.node)}${Names.nodeUniqueId(this.alertTopic.node)}`;
    const existing = registry.node.tryFindChild(id);
    if (existing) return existing as cloudwatch.Alarm;
    const alarm = new cloudwatch.Alarm(registry, id, {
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: [
        `The rotation function ${fn.node.path} failed. The secret it was rotating keeps its working AWSCURRENT value.`,
        'Read the function\'s log: each error names the step, the secret ARN and what to do.',
      ].join(' '),
    });
    alarm.addAlarmAction(this.alarmAction);
    return alarm;
  }

  /**
   * The number of failed rotations of the watched secrets (EventBridge `TriggeredRules` of the failed-rotation rule).
   * @default - sum over 5 minutes
   */
  public metricRotationFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return triggeredRules(this.rotationFailedRule, props);
  }

  /**
   * The number of calls that changed the watched secrets.
   * @default - sum over 5 minutes
   */
  public metricChanges(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return triggeredRules(this.changeRule, props);
  }

  /**
   * The number of reads of deprecated versions and uses of the secrets while scheduled for deletion;
   * undefined when `watchDeprecatedAccess` is off.
   * @default - sum over 5 minutes
   */
  public metricDeprecatedAccess(props?: cloudwatch.MetricOptions): cloudwatch.Metric | undefined {
    return this.deprecatedAccessRule ? triggeredRules(this.deprecatedAccessRule, props) : undefined;
  }

  private rule(id: string, description: string, pattern: events.EventPattern, message: events.RuleTargetInput): events.Rule {
    const rule = new events.Rule(this, id, {
      description: truncate(description, 512),
      eventPattern: { source: ['aws.secretsmanager'], ...pattern },
    });
    rule.addTarget(this.target(message));
    return rule;
  }

  private target(message: events.RuleTargetInput): events.IRuleTarget {
    const topic = this.alertTopic;
    // SecretAlertTopic.allowPublishers already let this account's rules publish (scoped by aws:SourceAccount); the
    // stock target would add a second, unscoped statement to the topic and its key.
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
    return alarm;
  }
}

/** The name, partial ARN and full ARN of a secret: the ways a caller can name it in a request. */
function secretIdentifiers(secret: secretsmanager.ISecret): string[] {
  const partialArn = Arn.format({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: secret.secretName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  }, Stack.of(secret));
  return [secret.secretArn, partialArn, secret.secretName];
}

function triggeredRules(rule: events.IRule, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName: 'TriggeredRules',
    dimensionsMap: { RuleName: rule.ruleName },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(5),
    ...props,
  });
}

const field = (path: string) => events.EventField.fromPath(path);

function changeMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Secrets Manager: ${field('$.detail.eventName')} on ${field('$.detail.responseElements.arn')}`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`,
  );
}

function rotationMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Secrets Manager: ${field('$.detail.eventName')} for ${field('$.detail.additionalEventData.SecretId')}`
    + ` at ${field('$.detail.eventTime')} (account ${events.EventField.account}, ${events.EventField.region}).`,
  );
}

function deprecatedAccessMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `Secrets Manager: ${field('$.detail.eventName')} of ${field('$.detail.requestParameters.secretId')}`
    + ` (version stage ${field('$.detail.requestParameters.versionStage')}, error ${field('$.detail.errorCode')})`
    + ` by ${field('$.detail.userIdentity.arn')} from ${field('$.detail.sourceIPAddress')} at ${field('$.detail.eventTime')}:`
    + ' the client uses a deprecated version or a secret scheduled for deletion.',
  );
}

/** One scope per stack for alarms shared by several monitorings. */
function sharedRegistry(scope: Construct): Construct {
  const stack = Stack.of(scope);
  const id = 'ProtectedSecretsSharedAlarms';
  return stack.node.tryFindChild(id) as Construct ?? new Construct(stack, id);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function validateProps(scope: SecretMonitoring, props: SecretMonitoringProps): void {
  const fail = (message: string) => {
    throw new Error(`SecretMonitoring ${scope.node.path}: ${message}`);
  };
  if (props.secrets.length === 0) fail('`secrets` must name at least one secret to watch.');
  if (props.alertTopic && props.alertEmails?.length) {
    fail('`alertEmails` only subscribes to the shared alert topic; subscribe the addresses to your own `alertTopic` yourself.');
  }
}
