import { Duration, Lazy, Names, aws_cloudwatch as cloudwatch, aws_events as events } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { truncate } from './monitoring';

/**
 * The most metrics one alarm's math expression may read: "Alarms based on metric math expressions can reference a
 * maximum of 10 metrics. This is a hard limit" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html).
 */
const METRICS_PER_ALARM = 10;

/**
 * Names an alarm `<prefix><its path-based name>`: the monitoring-tamper rules match the alarms that notify a topic by
 * the prefix they share (see `SecretMonitoring`). The path-based name `Names.uniqueResourceName` gives is unique in
 * the stack (it ends in a hash of the path), and the stack's name, which it starts with, in its account and region.
 */
export function nameAlarm(alarm: cloudwatch.Alarm, prefix: string): void {
  (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName = `${prefix}${Names.uniqueResourceName(alarm, { maxLength: 64 })}`;
}

/** An EventBridge metric of a rule of the default bus (dimension `RuleName`), summed over 5 minutes unless `props` say otherwise. */
export function ruleMetric(metricName: string, rule: events.IRule, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: { RuleName: rule.ruleName },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(5),
    ...props,
  });
}

/**
 * A rule's alerts that EventBridge could not deliver to the topic: FailedInvocations, "The number of invocations that
 * failed permanently", with the RuleName dimension only, sent "only ... if it isn't zero"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html).
 */
export function failedInvocations(rule: events.IRule, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return ruleMetric('FailedInvocations', rule, props);
}

/** The sum of a metric over several rules, as one metric (a graph may sum any number; an alarm at most 10). */
export function sumOverRules(
  rules: events.IRule[], metric: (rule: events.IRule) => cloudwatch.Metric, props?: cloudwatch.MetricOptions,
): cloudwatch.IMetric | undefined {
  if (rules.length === 0) return undefined;
  if (rules.length === 1) return metric(rules[0]);
  const usingMetrics = Object.fromEntries(rules.map((rule, i) => [`r${i}`, metric(rule)]));
  return new cloudwatch.MathExpression({
    expression: `SUM([${Object.keys(usingMetrics).join(',')}])`,
    usingMetrics,
    period: props?.period ?? Duration.minutes(5),
    label: props?.label,
  });
}

/**
 * Alarms on alerts EventBridge could not deliver: a topic policy or key policy that refuses EventBridge. (A deleted
 * topic, or its key disabled, fails the alarm's own notification too: the alarm notifies the same topic.) Such a
 * failure is otherwise silent, and it silences every alert of the rule: "If an event isn't delivered after all retry
 * attempts are exhausted, the event is dropped" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html),
 * and only the rule's FailedInvocations metric counts it. One alarm per ten rules, each
 * reading the sum of its rules' FailedInvocations; the alarm notifies through CloudWatch, which the topic lets
 * publish by a statement of its own.
 */
export class DeliveryAlarms {
  private readonly groups: { alarm: cloudwatch.Alarm; rules: events.IRule[] }[] = [];

  /**
   * @param scope where the alarms are created
   * @param action what each alarm notifies
   * @param owner the construct whose rules these are, named in the alarms' descriptions
   * @param alarmNamePrefix the start of the alarms' names (see `nameAlarm`); CloudFormation names them without it
   */
  constructor(
    private readonly scope: Construct, private readonly action: cloudwatch.IAlarmAction, private readonly owner: string,
    private readonly alarmNamePrefix?: string,
  ) {}

  /** The alarms so far, each on up to ten rules. */
  public get alarms(): cloudwatch.Alarm[] {
    return this.groups.map(group => group.alarm);
  }

  /** Watches one more rule: it joins the last alarm if that reads fewer than ten rules, else a new alarm. */
  public watch(rule: events.IRule): void {
    let group = this.groups[this.groups.length - 1];
    if (!group || group.rules.length === METRICS_PER_ALARM) {
      group = { alarm: this.createAlarm(rule, this.groups.length), rules: [] };
      this.groups.push(group);
    }
    group.rules.push(rule);
  }

  private createAlarm(first: events.IRule, index: number): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this.scope, `AlertDeliveryAlarm${index === 0 ? '' : index + 1}`, {
      // Replaced below by the sum over the group's rules, which grows until synth.
      metric: sumOverRules([first, first], rule => failedInvocations(rule))!,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // The metric is sent only when not zero: no data is no failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: truncate([
        `EventBridge could not deliver alerts of ${this.owner} to their SNS topic: those alerts were dropped.`,
        'Check that the topic exists, that its policy lets events.amazonaws.com publish, and, for an encrypted topic, that',
        'its key policy lets events.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt. The rules\' FailedInvocations',
        'metric in AWS/Events names the rule.',
      ].join(' '), 1024),
    });
    alarm.addAlarmAction(this.action);
    if (this.alarmNamePrefix !== undefined) nameAlarm(alarm, this.alarmNamePrefix);
    const group = () => this.groups[index].rules;
    (alarm.node.defaultChild as cloudwatch.CfnAlarm).addPropertyOverride('Metrics', Lazy.any({ produce: () => renderQueries(group()) }));
    return alarm;
  }
}

/** The alarm's metric data queries, as CloudFormation takes them: each rule's FailedInvocations, and their sum. */
function renderQueries(rules: events.IRule[]): any[] {
  return [
    { Id: 'failed', Expression: `SUM([${rules.map((_, i) => `r${i}`).join(',')}])`, ReturnData: true },
    ...rules.map((rule, i) => ({
      Id: `r${i}`,
      MetricStat: {
        Metric: { Namespace: 'AWS/Events', MetricName: 'FailedInvocations', Dimensions: [{ Name: 'RuleName', Value: rule.ruleName }] },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: false,
    })),
  ];
}
