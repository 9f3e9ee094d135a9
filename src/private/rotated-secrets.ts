// Which secrets the bundled rotation function rotates: ProtectedSecret warns when one of them has a write-only grantee.
import { aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';

const rotated = new WeakSet<secretsmanager.ISecret>();

/** Records that the bundled function rotates `secret` (RotationFunction.addSecret). */
export function markRotatedByBundledFunction(secret: secretsmanager.ISecret): void {
  rotated.add(secret);
}

/** Whether the bundled function rotates any of `secrets` (a ProtectedSecret, or its `.secret`). */
export function rotatedByBundledFunction(...secrets: secretsmanager.ISecret[]): boolean {
  return secrets.some(secret => rotated.has(secret));
}
