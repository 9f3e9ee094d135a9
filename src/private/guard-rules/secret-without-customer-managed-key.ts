import { aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { GuardRule } from './rule';

/** A secret encrypted with the AWS managed key `aws/secretsmanager`, whose policy nobody can narrow. */
export const secretWithoutCustomerManagedKey: GuardRule = {
  id: 'SecretWithoutCustomerManagedKey',
  check: node => node instanceof secretsmanager.CfnSecret && !node.kmsKeyId
    ? 'the secret is encrypted with the AWS managed key aws/secretsmanager; give it a customer-managed key (ProtectedSecret does).'
    : undefined,
};
