import { Token, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { duplicateInEnvironmentError } from './environment-claims';
import { hasMarker } from './marker';

/**
 * Secrets Manager's limits on a secret's name: 1 to 512 characters, ASCII letters, digits and `/_+=.@-`.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html (Name; the
 *   length is the `NameType` shape of the service model, min 1 max 512)
 */
export const MAX_SECRET_NAME_LENGTH = 512;
const SECRET_NAME_CHARACTERS = /^[A-Za-z0-9/_+=.@-]+$/;

/** What is wrong with a secret name, one message per problem; a token is checked at deploy time instead. */
export function secretNameErrors(name: string | undefined): string[] {
  if (name === undefined || Token.isUnresolved(name)) return [];
  const errors: string[] = [];
  if (name.length === 0) errors.push('`secretName` must not be empty; leave it out to let CloudFormation generate a name.');
  // A leading slash is allowed. The reference is the reserved path followed by the secret's ID ("must begin with ...
  // /aws/reference/secretsmanager/secret_ID_in_Secrets_Manager",
  // https://docs.aws.amazon.com/systems-manager/latest/userguide/integration-ps-secretsmanager.html), so /prod/db is
  // served as /aws/reference/secretsmanager//prod/db. AWS's guide shows no such name; public configurations read them so.
  if (name.length > MAX_SECRET_NAME_LENGTH) {
    errors.push(`\`secretName\` must be at most ${MAX_SECRET_NAME_LENGTH} characters, got ${name.length}; shorten it.`);
  }
  if (name.length > 0 && !SECRET_NAME_CHARACTERS.test(name)) {
    errors.push(`\`secretName\` may contain only ASCII letters, digits and /_+=.@-, got "${name}"; replace the other characters.`);
  }
  return errors;
}

/**
 * Claims `name` for `scope` in its account and region, and says who already holds it: two secrets of one app with the
 * same name collide at deploy time (the second CreateSecret fails).
 */
export function duplicateSecretNameError(scope: IConstruct, name: string | undefined): string | undefined {
  return duplicateInEnvironmentError(scope, scope.node.path, 'secretName', name, 'secretName', 'give each secret its own name.');
}

/** The CloudFormation resource of a secret of this app (an aws-cdk-lib Secret, or the one a ProtectedSecret holds), if any. */
export function secretResource(secret: secretsmanager.ISecret): secretsmanager.CfnSecret | undefined {
  // A ProtectedSecret (of any copy of this library) holds its aws-cdk-lib Secret as `secret`.
  const l2: unknown = hasMarker(secret, 'ProtectedSecret') ? (secret as any).secret : secret;
  if (!secretsmanager.Secret.isSecret(l2)) return undefined;
  const resource = (l2 as secretsmanager.Secret).node.defaultChild;
  return resource instanceof secretsmanager.CfnSecret ? resource : undefined;
}
