// Shared by the construct (which validates its password props at synth) and the rotation function (which makes the
// passwords): nothing here may import aws-cdk-lib, as the function's bundle carries this file.

/**
 * Characters kept out of generated secret values and rotated passwords: those that break connection strings,
 * URLs and shell quoting, and those RDS refuses in master passwords (`/`, `"`, `@`, space).
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
