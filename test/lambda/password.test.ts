// The rotation function's passwords, made from GetRandomPassword's rules
// (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html): lengths, character
// types, excluded characters, each required type, uniform draws, and the settings it refuses.
import { generatePassword, passwordRulesFromEnvironment } from '../../lambda/rotation/password';
import { EXCLUDED_PASSWORD_CHARACTERS, PASSWORD_CHARACTER_TYPES } from '../../src/private/password-policy';

const draw = (env: NodeJS.ProcessEnv, count: number) => {
  const rules = passwordRulesFromEnvironment(env);
  return Array.from({ length: count }, () => generatePassword(rules));
};
const hasType = (password: string, type: keyof typeof PASSWORD_CHARACTER_TYPES) =>
  [...password].some(c => PASSWORD_CHARACTER_TYPES[type].includes(c));

test('by default: 32 characters, none of the excluded ones, and every type in each password', () => {
  const passwords = draw({}, 2000);
  for (const password of passwords) {
    expect(password).toHaveLength(32);
    expect([...password].filter(c => EXCLUDED_PASSWORD_CHARACTERS.includes(c))).toEqual([]);
    for (const type of ['lowercase', 'uppercase', 'numbers', 'punctuation'] as const) expect(hasType(password, type)).toBe(true);
  }
  // The punctuation the default list leaves: , - . = ^ _ (GetRandomPassword's 32 less the excluded ones).
  expect(new Set(passwords.join('').replace(/[A-Za-z0-9]/g, ''))).toEqual(new Set(',-.=^_'));
  expect(new Set(passwords).size).toBe(passwords.length);
});

test('each character is drawn uniformly from what the rules leave (no modulo bias)', () => {
  // 66 characters: a modulo of random bytes would draw 58 of them a third more often than the other 8.
  const text = draw({ PASSWORD_LENGTH: '4096', REQUIRE_EACH_INCLUDED_TYPE: 'false' }, 200).join('');
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  expect(counts.size).toBe(26 + 26 + 10 + 6);
  const mean = text.length / counts.size;
  // The standard deviation of a count is about 110: 10% of the mean is more than ten of them.
  for (const count of counts.values()) expect(Math.abs(count - mean)).toBeLessThan(mean * 0.1);
});

test.each<[string, NodeJS.ProcessEnv, (password: string) => boolean]>([
  ['PASSWORD_LENGTH', { PASSWORD_LENGTH: '8' }, p => p.length === 8],
  ['EXCLUDE_CHARACTERS', { EXCLUDE_CHARACTERS: 'abcdefABCDEF0123' }, p => !/[a-fA-F0-3]/.test(p) && /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/.test(p)],
  ['EXCLUDE_NUMBERS', { EXCLUDE_NUMBERS: 'true' }, p => !/[0-9]/.test(p)],
  ['EXCLUDE_PUNCTUATION', { EXCLUDE_PUNCTUATION: 'TRUE' }, p => /^[A-Za-z0-9]+$/.test(p)],
  ['EXCLUDE_UPPERCASE', { EXCLUDE_UPPERCASE: 'true' }, p => !/[A-Z]/.test(p)],
  ['EXCLUDE_LOWERCASE', { EXCLUDE_LOWERCASE: 'true' }, p => !/[a-z]/.test(p)],
])('%s shapes every password', (_name, env, check) => {
  expect(draw(env, 500).filter(password => !check(password))).toEqual([]);
});

test('REQUIRE_EACH_INCLUDED_TYPE: a type of one character is in every password when required, and missing from some when not', () => {
  // Punctuation is down to '_': 8 uniform draws from 63 characters miss it 88% of the time.
  const only = { PASSWORD_LENGTH: '8', EXCLUDE_CHARACTERS: PASSWORD_CHARACTER_TYPES.punctuation.replace('_', '') };
  expect(draw(only, 300).every(password => password.includes('_'))).toBe(true);
  const missing = draw({ ...only, REQUIRE_EACH_INCLUDED_TYPE: 'false' }, 300).filter(password => !password.includes('_'));
  expect(missing.length).toBeGreaterThan(150);
});

test('the least likely settings synth accepts still always give a password', () => {
  // One lowercase, one uppercase and one digit left beside 32 punctuation characters, in 8 characters: a draw holds
  // all three singletons about once in 160 (the worst case of 8 characters; a cap of 1000 draws failed 7 in 3000).
  const env = {
    PASSWORD_LENGTH: '8',
    EXCLUDE_CHARACTERS: [PASSWORD_CHARACTER_TYPES.lowercase, PASSWORD_CHARACTER_TYPES.uppercase, PASSWORD_CHARACTER_TYPES.numbers]
      .map(characters => characters.slice(1)).join(''),
  };
  for (const password of draw(env, 3000)) expect(password).toMatch(/^(?=.*a)(?=.*A)(?=.*0)/);
});

test.each<[string, NodeJS.ProcessEnv, RegExp]>([
  ['a length under 8', { PASSWORD_LENGTH: '7' }, /PASSWORD_LENGTH is "7"; set a whole number from 8 to 4096/],
  ['a length that is not a number', { PASSWORD_LENGTH: 'long' }, /PASSWORD_LENGTH is "long"/],
  ['a flag that is not true or false', { EXCLUDE_NUMBERS: 'yes' }, /EXCLUDE_NUMBERS is "yes"; set true or false/],
  ['every type excluded', { EXCLUDE_NUMBERS: 'true', EXCLUDE_PUNCTUATION: 'true', EXCLUDE_UPPERCASE: 'true', EXCLUDE_LOWERCASE: 'true' }, /all true: no character is left/],
  ['a required type emptied by EXCLUDE_CHARACTERS', { EXCLUDE_CHARACTERS: '0123456789' }, /EXCLUDE_CHARACTERS holds every numbers character.*set EXCLUDE_NUMBERS to true/],
  ['every included type emptied', { EXCLUDE_NUMBERS: 'true', EXCLUDE_PUNCTUATION: 'true', EXCLUDE_CHARACTERS: PASSWORD_CHARACTER_TYPES.lowercase + PASSWORD_CHARACTER_TYPES.uppercase }, /holds every character of the included types/],
])('refused: %s, with the variable named', (_name, env, message) => {
  expect(() => draw(env, 1)).toThrow(expect.objectContaining({ kind: 'InvalidConfiguration', message: expect.stringMatching(message) }));
});

test('an emptied type that is not required is simply left out', () => {
  const passwords = draw({ EXCLUDE_CHARACTERS: '0123456789', REQUIRE_EACH_INCLUDED_TYPE: 'false' }, 200);
  expect(passwords.filter(password => /[0-9]/.test(password))).toEqual([]);
});
