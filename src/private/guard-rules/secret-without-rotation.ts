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
  return stack.node.findAll().some(c => c instanceof secretsmanager.CfnRotationSchedule && resolvedSecretId(stack, c) === ref);
}

/**
 * A schedule's secret, resolved once for as long as its `secretId` stays the same: every secret of a stack is checked
 * against every schedule, and resolving each pair again made the check quadratic in resolutions (about 200 ms of
 * CPU for 49 databases in one stack).
 */
function resolvedSecretId(stack: Stack, schedule: secretsmanager.CfnRotationSchedule): string {
  const cached = RESOLVED_SECRET_IDS.get(schedule);
  if (cached?.secretId === schedule.secretId) return cached.resolved;
  const resolved = JSON.stringify(stack.resolve(schedule.secretId));
  RESOLVED_SECRET_IDS.set(schedule, { secretId: schedule.secretId, resolved });
  return resolved;
}

const RESOLVED_SECRET_IDS = new WeakMap<secretsmanager.CfnRotationSchedule, { secretId: string; resolved: string }>();
