import { Stack, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { GuardRule } from './rule';

/** A secret that no rotation schedule of its stack rotates. */
export const secretWithoutRotation: GuardRule = {
  id: 'SecretWithoutRotation',
  check: node => node instanceof secretsmanager.CfnSecret && !isRotated(node)
    ? 'no rotation schedule in this stack rotates the secret; add one (RotatedDatabase does), or turn this check off for secrets only their issuer can change.'
    : undefined,
};

function isRotated(secret: secretsmanager.CfnSecret): boolean {
  const stack = Stack.of(secret);
  const ref = JSON.stringify(stack.resolve(secret.ref));
  return stack.node.findAll().some(c => c instanceof secretsmanager.CfnRotationSchedule
    && JSON.stringify(stack.resolve(c.secretId)) === ref);
}
