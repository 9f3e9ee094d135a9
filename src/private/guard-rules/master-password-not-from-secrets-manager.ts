import { Stack } from 'aws-cdk-lib';
import { possibleValues, rawTemplateTexts } from '../template-literals';
import { GuardRule } from './rule';

const DB_INSTANCE = 'AWS::RDS::DBInstance';
const DB_CLUSTER = 'AWS::RDS::DBCluster';

/**
 * An RDS instance or cluster whose master password is neither RDS-managed nor a Secrets Manager reference. A database
 * that inherits its password (below) passes, but only while no password is written into the template: a literal
 * there is in plaintext whether or not RDS uses it.
 */
export const masterPasswordNotFromSecretsManager: GuardRule = {
  id: 'MasterPasswordNotFromSecretsManager',
  resourceTypes: [DB_INSTANCE, DB_CLUSTER],
  check: ({ node, type, properties }) => {
    // Only a literal true: a token (a parameter, an Fn::If) may deploy false, and then the password below is used.
    if (properties.ManageMasterUserPassword === true || properties.ManageMasterUserPassword === 'true') return undefined;
    // Every value the password can be deployed with (each branch of an Fn::If); undefined where it is left out.
    const passwords = possibleValues(properties.MasterUserPassword);
    const written = passwords.filter(password => password !== undefined);
    const stack = Stack.of(node);
    const allReferences = written.every(password => isSecretsManagerReference(password, stack));
    const inheritedFrom = inheritsPasswordFrom(type, properties);
    // A database that inherits its password needs none; any other needs one on every branch.
    if (allReferences && (inheritedFrom !== undefined || written.length === passwords.length)) return undefined;
    return inheritedFrom === undefined
      ? 'the master password (MasterUserPassword) is not a Secrets Manager dynamic reference, on every deployment or on one branch of an Fn::If; '
        + 'use Credentials.fromSecret (RotatedDatabase does) or manageMasterUserPassword.'
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
function inheritsPasswordFrom(type: string, properties: Record<string, unknown>): string | undefined {
  const sources = type === DB_INSTANCE
    ? ['DBClusterIdentifier', 'SourceDBInstanceIdentifier', 'SourceDBClusterIdentifier', 'DBSnapshotIdentifier',
      'DBClusterSnapshotIdentifier', 'SourceDBInstanceAutomatedBackupsArn', 'SourceDbiResourceId']
    : ['GlobalClusterIdentifier', 'ReplicationSourceIdentifier', 'SnapshotIdentifier', 'SourceDBClusterIdentifier', 'SourceDbClusterResourceId'];
  // An empty DBSnapshotIdentifier creates a new database ("If the DBSnapshotIdentifier property is an empty string ...
  // AWS CloudFormation creates a new database"), so only a value counts.
  return sources.find(name => Boolean(properties[name]));
}

/**
 * Whether every text the password can take is one Secrets Manager dynamic reference and nothing else
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html): a reference
 * with literal text around it, or a literal on another branch, puts that text in the template.
 */
function isSecretsManagerReference(password: unknown, stack: Stack): boolean {
  const texts = rawTemplateTexts(password, stack);
  return texts.length > 0 && texts.every(text => /^\{\{resolve:secretsmanager:[^}]*\}\}$/.test(text));
}
