// Keys that encrypt data kept beyond the stack: a database's storage key is its secret's key (RotatedDatabase,
// RotatedAuroraCluster), and a final snapshot or a retained database still needs it after the secret is gone:
// "After a KMS key is deleted, you can no longer decrypt the data that was encrypted under that KMS key"
// (https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html).
import { CfnDeletionPolicy, RemovalPolicy, aws_kms as kms } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

const keptFor = new WeakMap<kms.IKey, IConstruct>();

/**
 * Records that `key` encrypts the storage of `database`, whose data outlives the stack unless `removalPolicy` is
 * DESTROY, and refuses at synth a removal policy that would delete the key while that data is kept, however it was
 * set (`RemovalPolicies`, the key's own `applyRemovalPolicy`, a `ProtectedSecret`'s `removalPolicy`).
 */
export function keepKeyForDatabase(key: kms.IKey | undefined, database: Construct, removalPolicy: RemovalPolicy): void {
  if (!key || removalPolicy === RemovalPolicy.DESTROY) return;
  keptFor.set(key, database);
  database.node.addValidation({
    validate: () => {
      const cfnKey = key instanceof kms.Key ? key.node.defaultChild as kms.CfnKey : undefined;
      if (cfnKey?.cfnOptions.deletionPolicy !== CfnDeletionPolicy.DELETE) return [];
      return [`the KMS key ${key.node.path} encrypts the storage of this database, whose data outlives the stack (removalPolicy ${removalPolicy}), `
        + 'but the key\'s removal policy deletes it, which would leave that data unreadable. Keep the key (RETAIN_ON_UPDATE_OR_DELETE), or give '
        + 'the database `removalPolicy: RemovalPolicy.DESTROY`.'];
    },
  });
}

/** The database whose kept data `key` encrypts, if any. */
export function databaseKeepingKey(key: kms.IKey): IConstruct | undefined {
  return keptFor.get(key);
}
