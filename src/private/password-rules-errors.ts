// The construct side of the password rules: messages naming the props. Kept out of password-policy.ts, which the
// rotation function's bundle imports, so the messages add nothing to the bundles.
import { passwordRulesProblem } from './password-policy';

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
