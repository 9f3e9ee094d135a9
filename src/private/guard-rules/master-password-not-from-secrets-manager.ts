import { Stack, aws_rds as rds } from 'aws-cdk-lib';
import { GuardRule } from './rule';

/** An RDS instance or cluster whose master password is neither RDS-managed nor a Secrets Manager reference. */
export const masterPasswordNotFromSecretsManager: GuardRule = {
  id: 'MasterPasswordNotFromSecretsManager',
  check: node => {
    if (!(node instanceof rds.CfnDBInstance || node instanceof rds.CfnDBCluster)) return undefined;
    if (node.manageMasterUserPassword || isSecretsManagerReference(Stack.of(node).resolve(node.masterUserPassword))) return undefined;
    // A replica or a restore inherits its credentials; anything else must take them from Secrets Manager.
    const inherits = node instanceof rds.CfnDBInstance
      ? Boolean(node.sourceDbInstanceIdentifier || node.dbSnapshotIdentifier || node.dbClusterIdentifier)
      : Boolean(node.snapshotIdentifier || node.sourceDbClusterIdentifier);
    return inherits
      ? undefined
      : 'the master password is not a Secrets Manager dynamic reference; use Credentials.fromSecret (RotatedDatabase does) or manageMasterUserPassword.';
  },
};

function isSecretsManagerReference(password: unknown): boolean {
  if (password === undefined) return false;
  return JSON.stringify(password).includes('{{resolve:secretsmanager:');
}
