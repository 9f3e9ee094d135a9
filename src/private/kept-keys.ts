// Keys that encrypt data kept beyond the stack: a database's storage key is its secret's key (RotatedDatabase,
// RotatedAuroraCluster), and a final snapshot or a retained database still needs it after the secret is gone:
// "After a KMS key is deleted, you can no longer decrypt the data that was encrypted under that KMS key"
// (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html).
import { CfnDeletionPolicy, CfnResource, RemovalPolicy, aws_kms as kms } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

const keptFor = new WeakMap<kms.IKey, IConstruct>();

/**
 * The deletion policies that keep a database's data: a final snapshot, or the database itself; none is Snapshot for a
 * DB instance outside a cluster and for a DB cluster ("The default policy is Snapshot for AWS::RDS::DBCluster resources
 * and for AWS::RDS::DBInstance resources that don't specify the DBClusterIdentifier property",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
 */
const KEEPS_DATA = [CfnDeletionPolicy.SNAPSHOT, CfnDeletionPolicy.RETAIN, CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE, undefined];
/**
 * The deletion policies that keep a key. A key takes no snapshot; CloudFormation ignores a Snapshot policy on a
 * resource without snapshots (https://github.com/aws/aws-cdk/pull/20668) and deletes it as one without a policy ("If a
 * resource has no DeletionPolicy attribute, AWS CloudFormation deletes the resource by default", same page), which
 * `RemovalPolicies.of(scope).snapshot()` gives every key.
 */
const KEEPS_KEY = [CfnDeletionPolicy.RETAIN, CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE];

/**
 * Records that `key` encrypts the storage of `database` (its CloudFormation resource `storage`), so that a
 * `ProtectedSecret.applyRemovalPolicy(DESTROY)` keeps the key while the database's `removalPolicy` keeps data. At
 * synth, refuses a key the template deletes beside a database the template keeps, however either policy was set
 * (`RemovalPolicies`, which acts after construction, the key's own `applyRemovalPolicy`, a `ProtectedSecret`'s
 * `removalPolicy`): the template's own policies decide, not the props.
 */
export function keepKeyForDatabase(key: kms.IKey | undefined, database: Construct, storage: CfnResource, removalPolicy: RemovalPolicy): void {
  if (!key) return;
  if (removalPolicy !== RemovalPolicy.DESTROY) keptFor.set(key, database);
  database.node.addValidation({
    validate: () => {
      const cfnKey = key instanceof kms.Key ? key.node.defaultChild as kms.CfnKey : undefined;
      const kept = storage.cfnOptions.deletionPolicy;
      const keyPolicy = cfnKey?.cfnOptions.deletionPolicy;
      if (!cfnKey || KEEPS_KEY.includes(keyPolicy!) || !KEEPS_DATA.includes(kept)) return [];
      return [`the KMS key ${key.node.path} encrypts the storage of this database, whose DeletionPolicy ${kept ?? 'Snapshot (the default)'} keeps its `
        + `data, but the key's DeletionPolicy ${keyPolicy ?? '(none: Delete)'} would delete the key (a key takes no snapshot) and leave that data `
        + 'unreadable. Keep the key (RETAIN_ON_UPDATE_OR_DELETE; with '
        + '`RemovalPolicies`, `excludeResourceTypes: [\'AWS::KMS::Key\']`), or give the database `removalPolicy: RemovalPolicy.DESTROY`.'];
    },
  });
}

/** The database whose kept data `key` encrypts, if any. */
export function databaseKeepingKey(key: kms.IKey): IConstruct | undefined {
  return keptFor.get(key);
}
