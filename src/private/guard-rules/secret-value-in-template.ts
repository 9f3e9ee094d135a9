import { aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { GuardRule } from './rule';

/** A secret whose whole value (`SecretString`) is written into the template. */
export const secretValueInTemplate: GuardRule = {
  id: 'SecretValueInTemplate',
  check: node => node instanceof secretsmanager.CfnSecret && node.secretString !== undefined
    ? 'the secret\'s value is written into the template; let Secrets Manager generate it (generateSecretString).'
    : undefined,
};
