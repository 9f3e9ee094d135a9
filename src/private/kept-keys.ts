// Keys that encrypt data kept beyond the stack: a database's storage key is its secret's key (RotatedDatabase,
// RotatedAuroraCluster), and a final snapshot or a retained database still needs it after the secret is gone.
import { IConstruct } from 'constructs';

const keptFor = new WeakMap<IConstruct, IConstruct>();

/** Records that the key of `secret` encrypts the storage of `database`, whose data outlives the stack. */
export function keepKeyForDatabase(secret: IConstruct, database: IConstruct): void {
  keptFor.set(secret, database);
}

/** The database whose kept data the key of `secret` encrypts, if any. */
export function databaseKeepingKey(secret: IConstruct): IConstruct | undefined {
  return keptFor.get(secret);
}
