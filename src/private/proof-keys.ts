import { aws_lambda as lambda, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';

/**
 * The proof key of each rotation function the library built, by its Lambda function: the monitoring learns of a
 * rotation function as an `IFunction` (`addRotationFunction`), and watches the key beside it.
 */
const PROOF_KEYS = new WeakMap<lambda.IFunction, secretsmanager.CfnSecret>();

export function registerProofKey(fn: lambda.IFunction, proofKey: secretsmanager.CfnSecret): void {
  PROOF_KEYS.set(fn, proofKey);
}

/** The proof key the function signs its pending versions with, when it is a rotation function of the library. */
export function proofKeyOf(fn: lambda.IFunction): secretsmanager.CfnSecret | undefined {
  return PROOF_KEYS.get(fn);
}
