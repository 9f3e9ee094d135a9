// Shared set-up for the integ tests: a small isolated VPC, and assertions that a rotation really happened and that its
// alert arrived.
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack, aws_ec2 as ec2, aws_sns_subscriptions as subscriptions, aws_sqs as sqs } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { suppressRulesThatDoNotApply } from '../examples/compliance';
import { MonitoringTrail, RotatedAuroraCluster, RotatedAuroraClusterProps, RotatedDatabase, RotatedDatabaseProps, SecretMonitoring } from '../src';

/** Two isolated subnets: no NAT, so the rotation function can only reach Secrets Manager through the endpoint. */
export function isolatedVpc(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
  });
}

/**
 * On a real deployment: start a rotation with a known token, then wait until that version is `AWSCURRENT`.
 * Secrets Manager moves `AWSCURRENT` only when the function's `finishSecret` succeeded, which it does only
 * after `testSecret` logged in with the new password; a failed rotation leaves the token `AWSPENDING` and the
 * assertion times out. DescribeSecret is used so the assertion never reads the secret's value.
 */
export function assertRotationSucceeds(integ: IntegTest, db: RotatedDatabase | RotatedAuroraCluster, token: string): void {
  const secret = db.secret;
  const rotate = integ.assertions.awsApiCall('SecretsManager', 'rotateSecret', {
    SecretId: secret.secretArn,
    ClientRequestToken: token,
  });
  // RotateSecret: "You also need lambda:InvokeFunction permissions on the rotation function"
  // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html).
  rotate.provider.addToRolePolicy({ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [db.rotationFunction.function.functionArn] });
  const current = integ.assertions.awsApiCall('SecretsManager', 'describeSecret', { SecretId: secret.secretArn })
    .expect(ExpectedResult.objectLike({ VersionIdsToStages: { [token]: ['AWSCURRENT'] } }))
    .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(20) });
  rotate.next(current);
  const queue = alertProbe(db);
  const alert = alertArrives(integ, queue);
  current.next(alert);
  alert.next(alarmArrives(integ, db, queue));
}

/**
 * A queue of the test stack subscribed to the stack's alert topic, read by the assertions below. SQS-managed
 * encryption (SSE-SQS, aws-cdk-lib's default for queues:
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_sqs-readme.html), so no key policy to write for SNS.
 * Messages live an hour.
 */
function alertProbe(db: RotatedDatabase | RotatedAuroraCluster): sqs.Queue {
  const stack = Stack.of(db);
  const topic = db.secret.monitoring?.alertTopic;
  if (!topic) throw new Error(`${db.node.path}: the integ tests check the alerts, so monitoring must be on`);
  const queue = new sqs.Queue(stack, 'AlertProbe', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.hours(1),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  NagSuppressions.addResourceSuppressions(queue, [{ id: 'AwsSolutions-SQS3', reason: 'A test probe read by the integ assertion; a message it misses is the failure the assertion reports.' }]);
  topic.addSubscription(new subscriptions.SqsSubscription(queue, { rawMessageDelivery: true }));
  return queue;
}

/** On a real deployment: waits for a message on the probe queue whose body matches `pattern`. */
function messageArrives(integ: IntegTest, queue: sqs.IQueue, pattern: string) {
  return integ.assertions.awsApiCall('SQS', 'receiveMessage', { QueueUrl: queue.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 })
    .expect(ExpectedResult.objectLike({ Messages: Match.arrayWith([Match.objectLike({ Body: Match.stringLikeRegexp(pattern) })]) }))
    .waitForAssertions({ totalTimeout: Duration.minutes(10), interval: Duration.seconds(30) });
}

/**
 * On a real deployment: the alert of the succeeded rotation reaches the stack's alert topic. It proves the whole path
 * a synth cannot: the rule matches Secrets Manager's event, and EventBridge may publish to the topic and use its key
 * (the key policy's EventBridge statement relies on SNS's encryption context, not on a statement of the SNS guide).
 */
function alertArrives(integ: IntegTest, queue: sqs.IQueue) {
  return messageArrives(integ, queue, 'RotationSucceeded');
}

/**
 * On a real deployment: an alarm of the monitoring notifies the topic. SetAlarmState "temporarily sets the state of an
 * alarm for testing purposes. When the updated state differs from the previous value, the action configured for the
 * appropriate state is invoked" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html).
 * It proves that CloudWatch may publish to the topic and use its key with the conditions the policies set on it
 * (aws:SourceAccount), which no synth can.
 */
function alarmArrives(integ: IntegTest, db: RotatedDatabase | RotatedAuroraCluster, queue: sqs.IQueue) {
  const alarm = db.secret.monitoring!.rotationFailedAlarms[0];
  const reason = 'integ probe: the alarm action reaches the alert topic';
  const setState = integ.assertions.awsApiCall('CloudWatch', 'setAlarmState', { AlarmName: alarm.alarmName, StateValue: 'ALARM', StateReason: reason });
  setState.provider.addToRolePolicy({ Effect: 'Allow', Action: ['cloudwatch:SetAlarmState'], Resource: [alarm.alarmArn] });
  setState.next(messageArrives(integ, queue, reason));
  return setState;
}

/** What makes a test database cheap and gone when the test ends. The assertion starts the first rotation itself. */
const DISPOSABLE = {
  deletionProtection: false,
  backupRetention: Duration.days(1),
  removalPolicy: RemovalPolicy.DESTROY,
  rotateImmediatelyOnUpdate: false,
};

function disposable<T extends RotatedDatabase | RotatedAuroraCluster>(stack: Stack, vpc: ec2.IVpc | undefined, db: T): T {
  db.secret.applyRemovalPolicy(RemovalPolicy.DESTROY);
  suppressRulesThatDoNotApply(stack, { vpc, testDatabases: [db] });
  // The test accounts log under the organization's trail (reads and writes); the tests check rotation, not alerts.
  SecretMonitoring.forStack(stack, { trail: MonitoringTrail.existing({ logsReadEvents: true, description: 'the organization trail of the test account' }) });
  return db;
}

/** A single-AZ test instance in a VPC of another stack (whose suppressions that stack applies), destroyed with its secret. */
export function testDatabaseIn(stack: Stack, vpc: ec2.IVpc, props: Omit<RotatedDatabaseProps, 'vpc'>): RotatedDatabase {
  return disposable(stack, undefined, new RotatedDatabase(stack, 'Db', { vpc, multiAz: false, ...DISPOSABLE, ...props }));
}

/** A single-AZ test instance with a one-day backup, destroyed with its secret. */
export function testDatabase(stack: Stack, props: Omit<RotatedDatabaseProps, 'vpc'>): RotatedDatabase {
  const vpc = isolatedVpc(stack);
  return disposable(stack, vpc, new RotatedDatabase(stack, 'Db', { vpc, multiAz: false, ...DISPOSABLE, ...props }));
}

/** A test Aurora cluster with a one-day backup, destroyed with its secret. */
export function testAuroraCluster(stack: Stack, props: Omit<RotatedAuroraClusterProps, 'vpc'>): RotatedAuroraCluster {
  const vpc = isolatedVpc(stack);
  return disposable(stack, vpc, new RotatedAuroraCluster(stack, 'Db', { vpc, ...DISPOSABLE, ...props }));
}

/** Run by integ-runner: the test case stack and the assertion that a rotation succeeds on it. */
export function runIntegTest(build: (app: App) => Stack, name: string, token: string): void {
  const app = new App();
  const stack = build(app);
  const integ = new IntegTest(app, name, { testCases: [stack] });
  const db = stack.node.findChild('Db') as RotatedDatabase | RotatedAuroraCluster;
  assertRotationSucceeds(integ, db, token);
}
