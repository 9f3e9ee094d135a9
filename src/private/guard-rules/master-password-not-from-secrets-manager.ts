import { Stack, aws_rds as rds } from 'aws-cdk-lib';
import { GuardRule } from './rule';

/**
 * An RDS instance or cluster whose master password is neither RDS-managed nor a Secrets Manager reference. A database
 * that inherits its password (below) passes, but only while no password is written into the template: a literal
 * there is in plaintext whether or not RDS uses it.
 */
export const masterPasswordNotFromSecretsManager: GuardRule = {
  id: 'MasterPasswordNotFromSecretsManager',
  check: node => {
    if (!(node instanceof rds.CfnDBInstance || node instanceof rds.CfnDBCluster)) return undefined;
    if (node.manageMasterUserPassword) return undefined;
    const password = Stack.of(node).resolve(node.masterUserPassword);
    if (isSecretsManagerReference(password)) return undefined;
    const inheritedFrom = inheritsPasswordFrom(node);
    if (password === undefined && inheritedFrom !== undefined) return undefined;
    return inheritedFrom === undefined
      ? 'the master password (MasterUserPassword) is not a Secrets Manager dynamic reference; use Credentials.fromSecret (RotatedDatabase does) or manageMasterUserPassword.'
      : `MasterUserPassword is written into the template although the database inherits its password (${inheritedFrom} is set); `
        + 'remove MasterUserPassword, or make it a Secrets Manager dynamic reference.';
  },
};

/**
 * The property through which the database takes its master password from elsewhere, if any.
 *
 * Clusters: "If you specify the SourceDBClusterIdentifier, SnapshotIdentifier, or GlobalClusterIdentifier property,
 * don't specify this property. The value is inherited"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbcluster.html#cfn-rds-dbcluster-masteruserpassword).
 * `SourceDbClusterResourceId` is the other way to name the source of a point-in-time restore ("You must specify either
 * SourceDBClusterIdentifier or SourceDbClusterResourceId"). An Aurora read replica cluster (`ReplicationSourceIdentifier`)
 * starts from a snapshot of its source, users included ("Amazon RDS takes a snapshot of the source cluster and transfers
 * the snapshot to the read replica Region",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraMySQL.Replication.CrossRegion.html).
 *
 * Instances: an Aurora instance's password "is managed by the DB cluster" (`DBClusterIdentifier`,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbinstance.html#cfn-rds-dbinstance-masteruserpassword);
 * for a read replica (`SourceDBInstanceIdentifier`) "Don't set the ... MasterUsername, MasterUserPassword ...
 * properties. The database attributes are inherited from the source DB instance"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbinstance.html#cfn-rds-dbinstance-sourcedbinstanceidentifier);
 * MasterUserPassword is not valid when restoring from a snapshot (`DBSnapshotIdentifier`, and `DBClusterSnapshotIdentifier`
 * for a Multi-AZ cluster snapshot, both RestoreDBInstanceFromDBSnapshot). A read replica of a Multi-AZ cluster
 * (`SourceDBClusterIdentifier`) and a point-in-time restore (`SourceDBInstanceAutomatedBackupsArn`,
 * `SourceDbiResourceId`) are made by CreateDBInstanceReadReplica and RestoreDBInstanceToPointInTime, which take no
 * master password (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html).
 */
function inheritsPasswordFrom(node: rds.CfnDBInstance | rds.CfnDBCluster): string | undefined {
  const sources: Array<[string, unknown]> = node instanceof rds.CfnDBInstance
    ? [
      ['DBClusterIdentifier', node.dbClusterIdentifier],
      ['SourceDBInstanceIdentifier', node.sourceDbInstanceIdentifier],
      ['SourceDBClusterIdentifier', node.sourceDbClusterIdentifier],
      ['DBSnapshotIdentifier', node.dbSnapshotIdentifier],
      ['DBClusterSnapshotIdentifier', node.dbClusterSnapshotIdentifier],
      ['SourceDBInstanceAutomatedBackupsArn', node.sourceDbInstanceAutomatedBackupsArn],
      ['SourceDbiResourceId', node.sourceDbiResourceId],
    ]
    : [
      ['GlobalClusterIdentifier', node.globalClusterIdentifier],
      ['ReplicationSourceIdentifier', node.replicationSourceIdentifier],
      ['SnapshotIdentifier', node.snapshotIdentifier],
      ['SourceDBClusterIdentifier', node.sourceDbClusterIdentifier],
      ['SourceDbClusterResourceId', node.sourceDbClusterResourceId],
    ];
  // An empty DBSnapshotIdentifier creates a new database ("If the DBSnapshotIdentifier property is an empty string ...
  // AWS CloudFormation creates a new database"), so only a value counts.
  return sources.find(([, value]) => Boolean(value))?.[0];
}

function isSecretsManagerReference(password: unknown): boolean {
  if (password === undefined) return false;
  return JSON.stringify(password).includes('{{resolve:secretsmanager:');
}
