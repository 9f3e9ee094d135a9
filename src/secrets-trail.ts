import {
  Annotations,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  aws_cloudtrail as cloudtrail,
  aws_iam as iam,
  aws_kms as kms,
  aws_logs as logs,
  aws_s3 as s3,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { appConstructsOfKind, shareAppWalkInValidation } from './private/app-walk';
import { keyAdministrationStatements } from './private/key-policy';
import { hasMarker, markClass } from './private/marker';
import { registerStackTrail } from './private/stack-trails';
import { PropErrors } from './private/validation';

/**
 * Properties for a `SecretsTrail`.
 */
export interface SecretsTrailProps {
  /**
   * Leave out the management events of AWS KMS and the RDS Data API, the two high-volume sources CloudTrail lets a
   * trail exclude. Secrets Manager's events stay in. AWS documents `NotEquals` on `eventSource` as the way to filter
   * management events, so a trail cannot be narrowed to Secrets Manager alone. The monitoring's key-change rules
   * (`SecretMonitoring.keyChangeRules`) and the tamper rules' alerts on the alert topic's key match KMS events and
   * then stay silent (synth warns).
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html
   * @default false - every management event, read and write
   */
  readonly excludeKmsAndRdsDataEvents?: boolean;

  /**
   * Also deliver the events to a CloudWatch Logs log group (encrypted with the trail's key).
   * @default false
   */
  readonly sendToCloudWatchLogs?: boolean;

  /**
   * How long the CloudWatch Logs copy is kept; only with `sendToCloudWatchLogs: true`.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly cloudWatchLogsRetention?: logs.RetentionDays;

  /**
   * How long log files stay current in the bucket before the lifecycle rule expires them: a whole number of days, at
   * least 1. The bucket is versioned, so expiring a file only adds a delete marker ("Amazon S3 adds a delete marker ...
   * This makes the current version noncurrent",
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html); the file itself
   * is deleted 30 days later, as every noncurrent version is.
   * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html
   * @default Duration.days(365)
   */
  readonly logFileRetention?: Duration;

  /**
   * What happens to the bucket and the key when they leave the stack. With `DESTROY`, deleting the stack fails once the
   * trail has delivered a log file: CloudFormation deletes only empty buckets ("Deletion fails for buckets that have
   * contents", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html), and this
   * one is versioned. Empty it first (every version), or keep the default and delete it yourself when its logs may go.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The CloudTrail trail secret alerts need in an account that has none: EventBridge receives
 * "AWS API Call via CloudTrail" events only from a trail with logging enabled
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/event-types.html).
 *
 * Multi-region, read and write management events, log file validation on, log files in a versioned S3 bucket that
 * blocks public access, requires TLS, expires old files and is encrypted (with the log files) by a customer-managed
 * key. Create one per account, not one per stack: every further trail that logs the same management events is
 * charged. Where an organization trail already logs the account, state it with `MonitoringTrail.existing` instead.
 */
export class SecretsTrail extends Construct {
  /** Whether `x` is a `SecretsTrail`, across copies of this library. */
  public static isSecretsTrail(x: any): x is SecretsTrail {
    return hasMarker(x, 'SecretsTrail');
  }

  /** The trail. */
  public readonly trail: cloudtrail.Trail;
  /** The bucket the log files go to. */
  public readonly bucket: s3.Bucket;
  /** The key that encrypts the log files, the bucket and the log group. */
  public readonly key: kms.Key;
  /** The CloudWatch Logs copy, when `sendToCloudWatchLogs` is on. */
  public readonly logGroup?: logs.LogGroup;
  /** Whether the trail logs AWS KMS's management events (false with `excludeKmsAndRdsDataEvents`). */
  public readonly logsKmsEvents: boolean;

  constructor(scope: Construct, id: string, props: SecretsTrailProps = {}) {
    super(scope, id);
    validate(this, props);
    this.warnIfNotAlone();
    registerStackTrail(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logsKmsEvents = !props.excludeKmsAndRdsDataEvents;

    this.key = this.createKey(removalPolicy);
    this.bucket = this.createBucket(removalPolicy, props.logFileRetention ?? Duration.days(365));
    this.logGroup = this.createLogGroup(props, removalPolicy);
    this.trail = this.createTrail(props);
  }

  /** The CloudWatch Logs copy, encrypted with the trail's key, when `sendToCloudWatchLogs` is on. */
  private createLogGroup(props: SecretsTrailProps, removalPolicy: RemovalPolicy): logs.LogGroup | undefined {
    if (!props.sendToCloudWatchLogs) return undefined;
    return new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: this.key,
      retention: props.cloudWatchLogsRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
  }

  private createTrail(props: SecretsTrailProps): cloudtrail.Trail {
    const trail = this.withTrailsOfThisAccountOnly(() => new cloudtrail.Trail(this, 'Trail', {
      bucket: this.bucket,
      encryptionKey: this.key,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      // Read events too: GetSecretValue of AWSPREVIOUS is a read.
      managementEvents: props.excludeKmsAndRdsDataEvents ? undefined : cloudtrail.ReadWriteType.ALL,
      sendToCloudWatchLogs: props.sendToCloudWatchLogs ?? false,
      cloudWatchLogGroup: this.logGroup,
    }));
    if (props.excludeKmsAndRdsDataEvents) {
      // "You can use either AdvancedEventSelectors or EventSelectors, but not both"
      // (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html).
      const cfnTrail = trail.node.defaultChild as cloudtrail.CfnTrail;
      cfnTrail.addPropertyDeletionOverride('EventSelectors');
      // The deletion would also drop a selector added later through `trail` (addS3EventSelector and the like): refuse it.
      this.node.addValidation({
        validate: () => {
          const added = Stack.of(this).resolve(cfnTrail.eventSelectors);
          return Array.isArray(added) && added.length > 0
            ? ['the trail has event selectors added through `trail` (such as addS3EventSelector), which a trail with '
              + '`excludeKmsAndRdsDataEvents` cannot have: CloudTrail takes either event selectors or advanced event selectors, not both '
              + '(https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html), and these would be dropped. '
              + 'Leave out `excludeKmsAndRdsDataEvents`, or add the data events as advanced event selectors of the CfnTrail.']
            : [];
        },
      });
      cfnTrail.advancedEventSelectors = [{
        name: 'Management events, read and write, without AWS KMS and RDS Data API',
        fieldSelectors: [
          { field: 'eventCategory', equalTo: ['Management'] },
          { field: 'eventSource', notEquals: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] },
        ],
      }];
    }
    return trail;
  }

  /**
   * Creates the trail while the bucket adds, to each statement aws-cdk-lib's Trail writes for CloudTrail (GetBucketAcl,
   * PutObject), the confused-deputy condition of AWS's CloudTrail bucket policy examples: the request must come from a
   * trail of this account (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html,
   * `aws:SourceArn`). Any trail name, not this trail's ARN: the trail depends on its bucket policy, so naming its ARN
   * there would be a dependency cycle. aws-cdk-lib's Trail offers no other way to condition the statements it adds.
   */
  private withTrailsOfThisAccountOnly<T>(create: () => T): T {
    const stack = Stack.of(this);
    const trailsOfThisAccount = `arn:${stack.partition}:cloudtrail:${stack.region}:${stack.account}:trail/*`;
    const bucket = this.bucket as { addToResourcePolicy: s3.Bucket['addToResourcePolicy'] };
    const add = this.bucket.addToResourcePolicy.bind(this.bucket);
    bucket.addToResourcePolicy = statement => {
      const json = statement.toStatementJson();
      if (json.Effect === 'Allow' && JSON.stringify(json.Principal ?? {}).includes('cloudtrail.amazonaws.com')) {
        statement.addCondition('ArnLike', { 'aws:SourceArn': trailsOfThisAccount });
      }
      return add(statement);
    };
    try {
      return create();
    } finally {
      delete (bucket as Partial<typeof bucket>).addToResourcePolicy;
    }
  }

  private createKey(removalPolicy: RemovalPolicy): kms.Key {
    const stack = Stack.of(this);
    const trailArns = `arn:${stack.partition}:cloudtrail:*:${stack.account}:trail/*`;
    return new kms.Key(this, 'Key', {
      description: `Encrypts the CloudTrail log files of ${this.node.path}`,
      enableKeyRotation: true,
      removalPolicy,
      policy: new iam.PolicyDocument({
        statements: [
          ...keyAdministrationStatements(),
          // The statements CloudTrail documents for SSE-KMS log files: encrypt for this account's trails only.
          new iam.PolicyStatement({
            sid: 'CloudTrailEncryptsLogFiles',
            principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
            actions: ['kms:GenerateDataKey*'],
            resources: ['*'],
            conditions: {
              StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArns },
              StringEquals: { 'aws:SourceAccount': stack.account },
            },
          }),
          new iam.PolicyStatement({
            sid: 'CloudTrailDescribesKey',
            principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
            actions: ['kms:DescribeKey'],
            resources: ['*'],
            conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
          }),
          // Readers of this account decrypt log files (the S3 and console paths), never another account's.
          new iam.PolicyStatement({
            sid: 'AccountReadsLogFiles',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:Decrypt', 'kms:ReEncryptFrom'],
            resources: ['*'],
            conditions: {
              StringEquals: { 'kms:CallerAccount': stack.account },
              StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArns },
            },
          }),
          // CloudWatch Logs encrypts the optional log group with this key, for log groups of this account only.
          new iam.PolicyStatement({
            sid: 'CloudWatchLogsEncryptsLogGroup',
            principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
            actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
            resources: ['*'],
            conditions: {
              ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
            },
          }),
        ],
      }),
    });
  }

  /**
   * Warns at synth when another `SecretsTrail` of the app logs the same account: each is multi-region and logs every
   * management event, and "The first copy of management events is free. You are charged for additional copies of
   * management events that you are logging on any subsequent trail in the same Region"
   * (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_EventSelector.html). Any `SecretsTrail` of the
   * account already feeds every monitoring of the app. Accounts unknown at synth are not compared.
   */
  private warnIfNotAlone(): void {
    shareAppWalkInValidation(this);
    this.node.addValidation({
      validate: () => {
        const account = Stack.of(this).account;
        if (Token.isUnresolved(account)) return [];
        const others = appConstructsOfKind(this, SecretsTrail.isSecretsTrail)
          .filter(trail => trail !== this && Stack.of(trail).account === account);
        if (others.length > 0) {
          Annotations.of(this).addWarningV2('cdk-protected-secrets:second-trail', [
            `${this.node.path} and ${others.map(t => t.node.path).join(', ')} are SecretsTrails of account ${account}: each logs the same management`,
            'events in every region, and CloudTrail charges for every copy after the first. Keep one per account (in any stack of the app):',
            'it feeds every monitoring of the app.',
          ].join(' '));
        }
        return [];
      },
    });
  }

  private createBucket(removalPolicy: RemovalPolicy, retention: Duration): s3.Bucket {
    return new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      // No S3 Bucket Key: with one, "the encryption context will be the bucket Amazon Resource Name (ARN)"
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-bucket-key.html), so the key policy's
      // statements for CloudTrail and for readers, which name the context CloudTrail documents
      // (`aws:cloudtrail:arn`, https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html),
      // would match neither the trail's writes nor the reads. A trail writes a few files every few minutes: the
      // KMS requests a Bucket Key would save are few.
      bucketKeyEnabled: false,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      removalPolicy,
      lifecycleRules: [{
        id: 'ExpireLogFiles',
        expiration: retention,
        noncurrentVersionExpiration: Duration.days(30),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
    });
  }
}

markClass(SecretsTrail, 'SecretsTrail');

const DAY_MILLIS = 86_400_000;

function validate(scope: SecretsTrail, props: SecretsTrailProps): void {
  const errors = new PropErrors('SecretsTrail', scope);
  const retention = props.logFileRetention;
  // The lifecycle rule's Expiration Days: "The value must be a non-zero positive integer"
  // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html). A token is left to the deploy.
  if (retention !== undefined && !retention.isUnresolved()) {
    const days = retention.toMilliseconds() / DAY_MILLIS;
    if (!Number.isInteger(days) || days < 1) {
      const fix = days < 1 ? 'Duration.days(1)' : `Duration.days(${Math.floor(days)}) or Duration.days(${Math.ceil(days)})`;
      errors.add(`\`logFileRetention\` must be a whole number of days, at least 1 (S3's lifecycle expiration counts days), got ${retention.toHumanString()}; use ${fix}.`);
    }
  }
  if (props.cloudWatchLogsRetention !== undefined && !props.sendToCloudWatchLogs) {
    const kept = props.cloudWatchLogsRetention === logs.RetentionDays.INFINITE ? 'RetentionDays.INFINITE' : `${props.cloudWatchLogsRetention} days`;
    errors.add(`\`cloudWatchLogsRetention\` is ${kept}, but \`sendToCloudWatchLogs\` is not true, so there is no log group to keep: `
      + 'set `sendToCloudWatchLogs: true`, or remove `cloudWatchLogsRetention`.');
  }
  errors.throwIfAny();
}

/**
 * Options for a trail that already logs this account, such as an organization trail.
 */
export interface ExistingTrailOptions {
  /**
   * Whether the trail logs read management events (`ReadWriteType` `All` or `ReadOnly`, or advanced event selectors
   * without `readOnly: false`). Alerts on reads, such as `GetSecretValue` of `AWSPREVIOUS` and refused reads, need it.
   */
  readonly logsReadEvents: boolean;

  /**
   * Whether the trail logs AWS KMS's management events. An advanced event selector `eventSource NotEquals
   * kms.amazonaws.com` leaves them out (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html),
   * and the alerts on changes to the secrets' keys (`keyChangeRules`) and to the alert topic's key (the tamper rules')
   * then never fire: synth warns.
   * @default true
   */
  readonly logsKmsEvents?: boolean;

  /**
   * What the trail is, for the README of your app and the synth messages (for example its ARN).
   * @default 'an existing trail'
   */
  readonly description?: string;
}

/**
 * The trail secret alerts rely on: EventBridge only receives "AWS API Call via CloudTrail" events while a trail
 * with logging enabled records them. State it on the monitoring, or create a `SecretsTrail` in the app; otherwise
 * synth warns.
 */
export class MonitoringTrail {
  /**
   * A `SecretsTrail` of this app (which logs read and write management events). It logs its own account only, so a
   * monitoring of another account that states it still gets the no-trail warning.
   */
  public static fromSecretsTrail(trail: SecretsTrail): MonitoringTrail {
    return new MonitoringTrail(true, trail.node.path, trail.logsKmsEvents, Stack.of(trail).account);
  }

  /** A trail that exists already, for example an organization trail, with the events it logs. */
  public static existing(options: ExistingTrailOptions): MonitoringTrail {
    return new MonitoringTrail(options.logsReadEvents, options.description ?? 'an existing trail', options.logsKmsEvents ?? true);
  }

  private constructor(
    /** Whether the trail logs read management events. */
    public readonly logsReadEvents: boolean,
    /** What the trail is. */
    public readonly description: string,
    /** Whether the trail logs AWS KMS's management events. */
    public readonly logsKmsEvents: boolean,
    /**
     * The one account the trail logs, for a `SecretsTrail` (never an organization trail); unknown for an existing trail.
     * @internal
     */
    public readonly _account?: string,
  ) {}
}
