// New passwords, made in the function from the rules of Secrets Manager's GetRandomPassword: the same variables as
// AWS's rotation functions, the same character types, drawn with Node.js's cryptographically secure generator.
// Asking Secrets Manager instead cost every createSecret one more request and the role a permission on `*`
// (GetRandomPassword has no resource type:
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
import { randomInt } from 'crypto';
import { InvalidConfigurationError } from './errors';
import { EXCLUDED_PASSWORD_CHARACTERS, PasswordCharacterType, includedCharacters, passwordRulesProblem } from '../../src/private/password-policy';

/** The variable that leaves each type out, as AWS's functions name it. */
const EXCLUDE_VARIABLE: Record<PasswordCharacterType, string> = {
  lowercase: 'EXCLUDE_LOWERCASE',
  uppercase: 'EXCLUDE_UPPERCASE',
  numbers: 'EXCLUDE_NUMBERS',
  punctuation: 'EXCLUDE_PUNCTUATION',
};

/** How new passwords are made: GetRandomPassword's parameters. */
export interface PasswordRules {
  readonly length: number;
  readonly excludeCharacters: string;
  readonly excludedTypes: readonly PasswordCharacterType[];
  /** Every included type appears at least once (GetRandomPassword's RequireEachIncludedType, true by default). */
  readonly requireEachIncludedType: boolean;
}

/** The rules the function's seven password variables give (the construct sets them from its password props). */
export function passwordRulesFromEnvironment(env: NodeJS.ProcessEnv = process.env): PasswordRules {
  const length = Number(env.PASSWORD_LENGTH ?? 32);
  if (!Number.isInteger(length) || length < 8 || length > 4096) {
    throw new InvalidConfigurationError(`PASSWORD_LENGTH is "${env.PASSWORD_LENGTH}"; set a whole number from 8 to 4096.`);
  }
  return {
    length,
    excludeCharacters: env.EXCLUDE_CHARACTERS ?? EXCLUDED_PASSWORD_CHARACTERS,
    excludedTypes: (Object.keys(EXCLUDE_VARIABLE) as PasswordCharacterType[]).filter(type => flag(env, EXCLUDE_VARIABLE[type], false)),
    // AWS's functions default to true: every included type appears at least once.
    requireEachIncludedType: flag(env, 'REQUIRE_EACH_INCLUDED_TYPE', true),
  };
}

/**
 * A new password: each character drawn uniformly from the included types' characters, and drawn again as a whole
 * until it holds each type it must (so every such password is as likely as any other).
 */
export function generatePassword(rules: PasswordRules): string {
  const types = includedTypes(rules);
  const alphabet = types.map(([, characters]) => characters).join('');
  const required = rules.requireEachIncludedType ? types.map(([, characters]) => characters) : [];
  // The least likely settings synth accepts (8 characters; three types down to one character each beside 32
  // punctuation characters) give a password with every required type once in about 160 draws; a million characters
  // drawn (125,000 such draws, well under a second) all miss with a probability below 1e-300.
  for (let drawn = 0; drawn < MAX_CHARACTERS_DRAWN; drawn += rules.length) {
    let password = '';
    for (let i = 0; i < rules.length; i++) password += alphabet[randomInt(alphabet.length)];
    if (required.every(characters => [...password].some(c => characters.includes(c)))) return password;
  }
  throw new InvalidConfigurationError(`no password with every required character type was drawn in ${MAX_CHARACTERS_DRAWN} characters; set REQUIRE_EACH_INCLUDED_TYPE to false or exclude fewer characters.`);
}

const MAX_CHARACTERS_DRAWN = 1_000_000;

/** The included types that have characters left, once the rules are known to leave what they require. */
function includedTypes(rules: PasswordRules): Array<[PasswordCharacterType, string]> {
  const found = passwordRulesProblem(rules.excludeCharacters, rules.excludedTypes, rules.requireEachIncludedType);
  if (found?.problem === 'every type excluded') {
    throw new InvalidConfigurationError('EXCLUDE_NUMBERS, EXCLUDE_PUNCTUATION, EXCLUDE_UPPERCASE and EXCLUDE_LOWERCASE are all true: no character is left to make a password from; include at least one type.');
  }
  if (found?.problem === 'every character excluded') {
    throw new InvalidConfigurationError('EXCLUDE_CHARACTERS holds every character of the included types: no character is left to make a password from.');
  }
  if (found?.problem === 'required type emptied') {
    throw new InvalidConfigurationError(`EXCLUDE_CHARACTERS holds every ${found.types.join(' and ')} character, and REQUIRE_EACH_INCLUDED_TYPE asks for one of each included type: set ${found.types.map(type => EXCLUDE_VARIABLE[type]).join(' and ')} to true, or keep one of those characters.`);
  }
  return includedCharacters(rules.excludeCharacters, rules.excludedTypes).filter(([, characters]) => characters.length > 0);
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new InvalidConfigurationError(`${name} is "${value}"; set true or false (the construct's password options set it).`);
}
