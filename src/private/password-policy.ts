// Shared by the construct (which validates its password props at synth) and the rotation function (which makes the
// passwords): nothing here may import aws-cdk-lib, as the function's bundle carries this file.

/**
 * Characters kept out of generated secret values and rotated passwords: those that break connection strings,
 * URLs and shell quoting (space among them), and `/`, `"`, `@`, which RDS refuses in master passwords
 * (`RDS_REFUSED_PASSWORD_CHARACTERS` in database-secret.ts).
 */
export const EXCLUDED_PASSWORD_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

/**
 * Secrets Manager's GetRandomPassword character types: letters, numbers and its 32 punctuation characters (space is a
 * type only with IncludeSpace, which AWS's rotation functions never set). The rotation function draws from these.
 * @see https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html
 */
export const PASSWORD_CHARACTER_TYPES = {
  lowercase: 'abcdefghijklmnopqrstuvwxyz',
  uppercase: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  numbers: '0123456789',
  punctuation: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
} as const;

export type PasswordCharacterType = keyof typeof PASSWORD_CHARACTER_TYPES;

/** The types not excluded, each with its characters that `excludeCharacters` leaves (possibly none). */
export function includedCharacters(
  excludeCharacters: string, excludedTypes: readonly PasswordCharacterType[],
): Array<[PasswordCharacterType, string]> {
  return (Object.keys(PASSWORD_CHARACTER_TYPES) as PasswordCharacterType[])
    .filter(type => !excludedTypes.includes(type))
    .map(type => [type, [...PASSWORD_CHARACTER_TYPES[type]].filter(c => !excludeCharacters.includes(c)).join('')]);
}

/** Why password rules leave nothing to draw from, or a required type without a character; undefined when they are fine. */
export type PasswordRulesProblem =
  | { readonly problem: 'every type excluded' }
  | { readonly problem: 'every character excluded' }
  | { readonly problem: 'required type emptied'; readonly types: PasswordCharacterType[] };

/**
 * What is wrong with password rules, decided once for the construct (which refuses them at synth, naming its props)
 * and the function (which refuses them at run time, naming its variables).
 */
export function passwordRulesProblem(
  excludeCharacters: string, excludedTypes: readonly PasswordCharacterType[], requireEachIncludedType: boolean,
): PasswordRulesProblem | undefined {
  const types = includedCharacters(excludeCharacters, excludedTypes);
  if (types.length === 0) return { problem: 'every type excluded' };
  const emptied = types.filter(([, characters]) => characters.length === 0).map(([type]) => type);
  if (emptied.length === types.length) return { problem: 'every character excluded' };
  if (requireEachIncludedType && emptied.length > 0) return { problem: 'required type emptied', types: emptied };
  return undefined;
}
