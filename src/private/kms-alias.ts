import { createHash } from 'crypto';
import { Token } from 'aws-cdk-lib';

/**
 * KMS's rules for an alias name: "The alias must be string of 1–256 characters. It can contain only alphanumeric
 * characters, forward slashes (/), underscores (_), and dashes (-). The alias name for a customer managed key cannot
 * begin with alias/aws/." (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html). CreateAlias
 * takes the name with its `alias/` prefix, which counts toward the 256.
 */
export const MAX_ALIAS_LENGTH = 256;
const ALIAS_PREFIX = 'alias/';
const ALIAS_CHARACTERS = /^[a-zA-Z0-9/_-]+$/;
const RESERVED_PREFIX = 'alias/aws/';
/** What aws-cdk-lib's kms.Alias accepts (besides the reserved prefix, which cannot occur under the library's own). */
const AWS_CDK_LIB_ALIAS = /^alias\/[a-zA-Z0-9:/_-]+$/;

/** What is wrong with a KMS alias given in `prop`, one message per problem; a token is left to the deploy. */
export function keyAliasErrors(alias: string | undefined, prop: string): string[] {
  if (alias === undefined || Token.isUnresolved(alias)) return [];
  const errors: string[] = [];
  const name = alias.slice(ALIAS_PREFIX.length);
  if (!alias.startsWith(ALIAS_PREFIX) || name.length === 0 || !ALIAS_CHARACTERS.test(name)) {
    errors.push(`\`${prop}\` must look like "alias/<name>" using letters, digits, "/", "_" and "-", got "${alias}".`);
  }
  if (alias.length > MAX_ALIAS_LENGTH) {
    errors.push(`\`${prop}\` must be at most ${MAX_ALIAS_LENGTH} characters with its "alias/" prefix (KMS's limit), got ${alias.length}; shorten it.`);
  }
  // KMS documents the reserved prefix in lower case; aws-cdk-lib refuses it in any case (its Alias compares
  // `toLocaleLowerCase()`), so "alias/AWS/x" never reaches KMS either way: name the prop here rather than leave
  // aws-cdk-lib's message, which names neither.
  if (alias.toLowerCase().startsWith(RESERVED_PREFIX)) {
    errors.push(`\`${prop}\` must not use the reserved alias/aws/ prefix (in any letter case), got "${alias}"; it is for AWS managed keys: choose a name of your own.`);
  }
  return errors;
}

/**
 * A valid alias `alias/<prefix><name>`, from a name that may hold characters KMS refuses (a construct id may hold
 * any) or be too long: a name that is already valid is kept as it is (a deployed key keeps its alias); otherwise the
 * refused characters are dropped, and a hash of the original name keeps two names that differ only in those
 * characters apart, within KMS's 256 characters.
 */
export function validAliasName(prefix: string, name: string): string {
  const alias = `${ALIAS_PREFIX}${prefix}${name}`;
  // An alias aws-cdk-lib took before these checks is kept, ":" included (its Alias and the AWS::KMS::Alias schema allow
  // it, KMS's guide does not list it): changing it would replace the alias of a deployed key.
  if (keyAliasErrors(alias, 'alias').length === 0 || (AWS_CDK_LIB_ALIAS.test(alias) && alias.length <= MAX_ALIAS_LENGTH)) return alias;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8).toUpperCase();
  const kept = name.replace(/[^a-zA-Z0-9/_-]/g, '');
  const room = MAX_ALIAS_LENGTH - ALIAS_PREFIX.length - prefix.length - hash.length - 1;
  return `${ALIAS_PREFIX}${prefix}${kept.slice(0, room)}-${hash}`;
}
