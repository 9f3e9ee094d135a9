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

/** Password options under the names of GetRandomPassword (and of the props that carry them). */
export interface PasswordRuleOptions {
  readonly excludeNumbers?: boolean;
  readonly excludePunctuation?: boolean;
  readonly excludeUppercase?: boolean;
  readonly excludeLowercase?: boolean;
  readonly requireEachIncludedType?: boolean;
}

/**
 * Why password options leave nothing to make a password from, naming the props (under `prefix`, e.g.
 * `generateSecretString.`) as the construct's user wrote them. `excludeCharacters` is the characters excluded, or
 * undefined when they are not known at synth (a token): only the excluded types are checked then.
 */
export function passwordRulesErrors(options: PasswordRuleOptions, excludeCharacters: string | undefined, prefix = ''): string[] {
  const prop = (name: string) => `\`${prefix}${name}\``;
  const flags = ([
    ['numbers', options.excludeNumbers], ['punctuation', options.excludePunctuation],
    ['uppercase', options.excludeUppercase], ['lowercase', options.excludeLowercase],
  ] as const);
  const excludedTypes = flags.filter(([, excluded]) => excluded === true).map(([type]) => type);
  const found = passwordRulesProblem(excludeCharacters ?? '', excludedTypes, options.requireEachIncludedType ?? true);
  if (found?.problem === 'every type excluded') {
    return [`${prop('excludeNumbers')}, ${prop('excludePunctuation')}, ${prop('excludeUppercase')} and ${prop('excludeLowercase')} are all true: `
      + 'no character is left to make a password from; include at least one type.'];
  }
  if (excludeCharacters === undefined) return [];
  if (found?.problem === 'every character excluded') {
    return [`${prop('excludeCharacters')} holds every character of the included types: no character is left to make a password from.`];
  }
  if (found?.problem === 'required type emptied') {
    const propOf = (type: string) => `\`${prefix}exclude${type[0].toUpperCase()}${type.slice(1)}: true\``;
    return [`${prop('excludeCharacters')} holds every ${found.types.join(' and ')} character, and ${prop('requireEachIncludedType')} (true by default) asks for one of each `
      + `included type: set ${found.types.map(propOf).join(' and ')}, set \`${prefix}requireEachIncludedType: false\`, or keep one of those characters.`];
  }
  return [];
}
