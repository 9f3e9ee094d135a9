import { Annotations, Arn, ArnFormat, RemovalPolicy, Resource, Stack, Token, aws_iam as iam, aws_kms as kms, aws_sns as sns, aws_sns_subscriptions as subscriptions } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { keyAdministrationStatements } from './private/key-policy';
import { emailErrors, phoneNumberErrors } from './private/monitoring';
import { findOrCreate } from './private/singleton';
import { PropErrors } from './private/validation';

/** The services that publish alerts: EventBridge for rules, CloudWatch for alarms. */
const RULES_SERVICE = 'events.amazonaws.com';
const ALARMS_SERVICE = 'cloudwatch.amazonaws.com';
/** What a publishing service needs of an encrypted topic's key (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html). */
const TOPIC_KEY_ACTIONS = ['kms:GenerateDataKey*', 'kms:Decrypt'];

/**
 * Every action an SNS topic policy can name ("Valid Amazon SNS policy actions", the data protection policy and tag
 * listing among them), so the TLS-only deny leaves no call over plain HTTP (aws-cdk-lib's `enforceSSL` covers
 * `sns:Publish` only).
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html
 */
const TOPIC_POLICY_ACTIONS = [
  'sns:Publish', 'sns:Subscribe', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes',
  'sns:AddPermission', 'sns:RemovePermission', 'sns:DeleteTopic', 'sns:ListSubscriptionsByTopic',
  'sns:GetDataProtectionPolicy', 'sns:PutDataProtectionPolicy', 'sns:ListTagsForResource',
];

/** Topics whose policies already let this account's rules and alarms publish. */
const AUTHORIZED_TOPICS = new WeakSet<sns.ITopic>();

const SHARED_ID = 'ProtectedSecretsAlertTopic';

/**
 * Properties for a `SecretAlertTopic`.
 */
export interface SecretAlertTopicProps {
  /**
   * Email addresses to subscribe. Each address must confirm the subscription from the email SNS sends.
   * @default - no subscriptions
   */
  readonly emails?: string[];

  /**
   * Phone numbers (E.164, such as `+14155550100`) to receive the alerts as text messages. SNS sends SMS only to
   * verified numbers while the account is in the SMS sandbox, and in many countries only from a registered
   * origination identity. Refused in the China Regions and AWS GovCloud (US-East), where SNS sends no text messages.
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-sms-sandbox.html
   * @see https://docs.amazonaws.cn/en_us/aws/latest/userguide/sns.html
   * @see https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-sns.html
   * @default - no SMS subscriptions
   */
  readonly phoneNumbers?: string[];

  /**
   * What happens to the topic's key when it leaves the stack.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE: kept when it leaves the stack, deleted when the deploy that
   * created it rolls back (CloudFormation's RetainExceptOnCreate), so a failed first deploy does not leave it behind
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The SNS topic secret alerts go to: encrypted with its own customer-managed key (rotation on), TLS required
 * to publish or subscribe, and a policy that lets EventBridge rules and CloudWatch alarms of this account publish.
 */
export class SecretAlertTopic extends Construct {
  /**
   * The stack's shared alert topic, created on first use. Monitoring of every secret in the stack that is given
   * no topic of its own publishes here, so a stack has one topic and one key however many secrets it watches.
   */
  public static shared(scope: Construct): SecretAlertTopic {
    const stack = Stack.of(scope);
    return findOrCreate(stack, SHARED_ID, SecretAlertTopic, (topicScope, id) => new SecretAlertTopic(topicScope, id));
  }

  /**
   * Lets this account's EventBridge rules and CloudWatch alarms publish to `topic`, and nobody call it without TLS.
   * The topic policy names CloudWatch with `aws:SourceAccount`, so an alarm of another account cannot publish.
   * EventBridge is named without a condition: AWS documents that conditions cannot be used in SNS topic policies for
   * EventBridge, so a rule of another account that names the topic is not refused by the topic policy. For a topic
   * encrypted with a key of this app, the key policy lets CloudWatch use the key for alarms of this account, and
   * EventBridge for topics of this account only (its requests to KMS carry no `aws:SourceAccount`, which SNS documents
   * as unsupported for EventBridge). Monitoring calls this for the
   * shared topic and for an `alertTopic` of your own; calling it twice for a topic adds nothing. An imported topic or
   * key takes no statement: synth then warns (`cdk-protected-secrets:alert-topic-policy`) with the statements to add.
   * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
   * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
   */
  public static allowPublishers(topic: sns.ITopic): void {
    if (AUTHORIZED_TOPICS.has(topic)) return;
    AUTHORIZED_TOPICS.add(topic);
    const statements = publisherStatements(topic);
    // An imported topic (or key) takes no statement (addToResourcePolicy reports statementAdded: false): say what its
    // owner must add, or the rules and alarms target a topic that refuses them and every alert is dropped unseen.
    const topicAdded = statements.topic.map(statement => topic.addToResourcePolicy(statement).statementAdded);
    const keyAdded = statements.key.map(statement => topic.masterKey?.addToResourcePolicy(statement).statementAdded);
    const topicMissing = !topicAdded[0];
    const keyMissing = topic.masterKey !== undefined && keyAdded.some(added => !added);
    if (topicMissing || keyMissing) warnPoliciesToAdd(topic, topicMissing, keyMissing, statements);
  }

  /** The topic. */
  public readonly topic: sns.Topic;
  /** The key that encrypts the topic's messages. */
  public readonly key: kms.Key;
  private readonly emails = new Set<string>();
  private readonly phoneNumbers = new Set<string>();

  constructor(scope: Construct, id: string, props: SecretAlertTopicProps = {}) {
    super(scope, id);
    const errors = new PropErrors('SecretAlertTopic', this);
    errors.addAll(emailErrors('emails', props.emails));
    errors.addAll(phoneNumberErrors('phoneNumbers', props.phoneNumbers, this));
    errors.throwIfAny();
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the secret alerts of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      policy: new iam.PolicyDocument({
        statements: [
          ...keyAdministrationStatements(),
          // Subscribers of this account (for example an SQS queue or a chat bot) read through SNS.
          new iam.PolicyStatement({
            sid: 'AccountReadsAlertsThroughSns',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            resources: ['*'],
            conditions: { StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` } },
          }),
        ],
      }),
    });

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Secret alerts',
      masterKey: this.key,
    });
    SecretAlertTopic.allowPublishers(this.topic);

    for (const email of props.emails ?? []) this.addEmail(email);
    for (const phone of props.phoneNumbers ?? []) this.addPhoneNumber(phone);
  }

  /**
   * Subscribes an email address to the alerts; adding the same address twice subscribes it once.
   */
  public addEmail(email: string): void {
    const errors = emailErrors('email', [email]);
    if (errors.length) throw new Error(`SecretAlertTopic ${this.node.path}: addEmail: ${errors.join(' ')}`);
    if (this.emails.has(email)) return;
    this.emails.add(email);
    this.topic.addSubscription(new subscriptions.EmailSubscription(email));
  }

  /**
   * Subscribes a phone number (E.164) to the alerts as text messages; adding the same number twice subscribes it once.
   * @param phoneNumber the number, such as `+14155550100`
   */
  public addPhoneNumber(phoneNumber: string): void {
    const errors = phoneNumberErrors('phoneNumber', [phoneNumber], this);
    if (errors.length) throw new Error(`SecretAlertTopic ${this.node.path}: addPhoneNumber: ${errors.join(' ')}`);
    if (this.phoneNumbers.has(phoneNumber)) return;
    this.phoneNumbers.add(phoneNumber);
    this.topic.addSubscription(new subscriptions.SmsSubscription(phoneNumber));
  }
}

/** The statements that let this account's rules and alarms publish to `topic`: on the topic's policy, and its key's. */
function publisherStatements(topic: sns.ITopic): { topic: iam.PolicyStatement[]; key: iam.PolicyStatement[] } {
  const account = Stack.of(topic).account;
  const fromThisAccount = { StringEquals: { 'aws:SourceAccount': account } };
  return {
    topic: [
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisAccountPublish',
        principals: [new iam.ServicePrincipal(ALARMS_SERVICE)],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromThisAccount,
      }),
      // No condition: "You can't use Condition blocks in Amazon SNS topic policies for EventBridge"
      // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions), and
      // aws-cdk-lib's SnsTopic target adds none either. With `aws:SourceAccount` here no rule could publish, and every
      // rule's alert would be dropped with only the rule's FailedInvocations metric to show it.
      new iam.PolicyStatement({
        sid: 'RulesPublish',
        principals: [new iam.ServicePrincipal(RULES_SERVICE)],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
      }),
      new iam.PolicyStatement({
        sid: 'DenyEveryCallWithoutTls',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: TOPIC_POLICY_ACTIONS,
        resources: [topic.topicArn],
        conditions: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ],
    // Publishing to an encrypted topic needs the publisher to use the key; SNS calls KMS on its behalf.
    // CloudWatch's request names the alarm's account (aws:SourceAccount). EventBridge's does not: "Adding the
    // aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is not supported for
    // EventBridge-to-encrypted topics" (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html), and with
    // it every rule's alert is dropped. Its statement names the topics of this account and region instead, by the
    // encryption context SNS gives the data key, `aws:sns:topicArn`
    // (https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html): a rule of another
    // account could only reach the key through a topic of its own. Not the topic's own ARN: the key policy would then
    // wait for the topic, which waits for the key.
    key: [
      new iam.PolicyStatement({
        sid: 'AlarmsOfThisAccountEncryptThroughSns',
        principals: [new iam.ServicePrincipal(ALARMS_SERVICE)],
        actions: TOPIC_KEY_ACTIONS,
        resources: ['*'],
        conditions: fromThisAccount,
      }),
      new iam.PolicyStatement({
        sid: 'RulesEncryptForTopicsOfThisAccountThroughSns',
        principals: [new iam.ServicePrincipal(RULES_SERVICE)],
        actions: TOPIC_KEY_ACTIONS,
        resources: ['*'],
        conditions: { StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': topicsOfItsAccount(topic) } },
      }),
    ],
  };
}

/**
 * The ARNs of every topic in the account and region of `topic`. For a topic of this app, those of its stack (its own
 * ARN would make the key policy wait for the topic, which waits for the key); for an imported topic, those of the
 * account and region in its ARN, which SNS puts in the encryption context, not the importing stack's.
 */
function topicsOfItsAccount(topic: sns.ITopic): string {
  if (Resource.isOwnedResource(topic) || Token.isUnresolved(topic.topicArn)) return Stack.of(topic).formatArn({ service: 'sns', resource: '*' });
  const { partition, region, account } = Arn.split(topic.topicArn, ArnFormat.NO_RESOURCE_NAME);
  return `arn:${partition}:sns:${region}:${account}:*`;
}

/**
 * Warns that `topic` (or its key) is imported and names the statements its owner must add for this account's rules
 * and alarms to publish: SNS refuses a publisher its topic policy does not allow, and an encrypted topic needs the
 * publisher to be allowed to use the key (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
 */
function warnPoliciesToAdd(
  topic: sns.ITopic, topicMissing: boolean, keyMissing: boolean, statements: { topic: iam.PolicyStatement[]; key: iam.PolicyStatement[] },
): void {
  const json = (list: iam.PolicyStatement[]) => list.map(statement => JSON.stringify(readable(Stack.of(topic).resolve(statement.toStatementJson())))).join(', ');
  const topicName = Token.isUnresolved(topic.topicArn) ? topic.node.path : topic.topicArn;
  const keyName = topic.masterKey && !Token.isUnresolved(topic.masterKey.keyArn) ? topic.masterKey.keyArn : 'its key';
  const parts: string[] = [];
  if (topicMissing) {
    parts.push(`The alert topic ${topicName} is imported: its topic policy was not changed, so this account's EventBridge rules and `
      + `CloudWatch alarms cannot publish to it and secret alerts are dropped until its owner adds to the topic policy: ${json(statements.topic)}.`);
  } else {
    parts.push(`The alert topic ${topicName} is encrypted with an imported key, whose policy was not changed.`);
  }
  if (keyMissing || (topicMissing && topic.masterKey === undefined)) {
    parts.push(`${keyMissing ? `Its key policy (${keyName}) needs` : 'If the topic is encrypted with a customer-managed KMS key, that key\'s policy also needs'}: `
      + `${json(statements.key)}; without them SNS cannot encrypt the alerts and drops them (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).`);
  }
  Annotations.of(topic).addWarningV2('cdk-protected-secrets:alert-topic-policy', parts.join(' '));
}

/** A resolved statement with CloudFormation functions replaced by what a person writes in a policy. */
function readable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(readable);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && entries[0][0] === 'Ref') return `<${String(entries[0][1]).replace(/^AWS::/, '')}>`;
    if (entries.length === 1 && entries[0][0] === 'Fn::Join') {
      const [separator, parts] = entries[0][1] as [string, unknown[]];
      return parts.map(part => typeof part === 'string' ? part : String(readable(part))).join(separator);
    }
    if (entries.length === 1 && entries[0][0].startsWith('Fn::')) return `<${entries[0][0]}>`;
    return Object.fromEntries(entries.map(([k, v]) => [k, readable(v)]));
  }
  return value;
}
