// The function's log masks every registered password, as it appears in the JSON line it writes.
import { handler } from '../../lambda/rotation/index';
import { log, mask, redact } from '../../lambda/rotation/log';
import { parseDatabaseSecret } from '../../lambda/rotation/secret';

function captured(write: () => void): string {
  const lines: string[] = [];
  const original = { log: console.log, error: console.error };
  console.log = console.error = (line: string) => { lines.push(line); };
  try {
    write();
  } finally {
    Object.assign(console, original);
  }
  return lines.join('\n');
}

test.each([
  ['a quote and a backslash, which JSON escapes', 'ab"cd\\ef_9Z'],
  ['a control character', 'tab\there_9Z'],
  ['plain characters', 'Plain-password_9Z'],
])('a password with %s is masked in the JSON line and in plain text', (_name, password) => {
  redact(password);
  const line = captured(() => log.error('login refused', { error: `driver said: password ${password} rejected` }));
  expect(JSON.parse(line).error).toBe('driver said: password *** rejected');
  expect(mask(`plain ${password} text`)).toBe('plain *** text');
});

// Review AN: the masked values were kept for the life of a warm container, so a writer of any secret the function
// serves could set its password to common text ("e", "arn") and blind every later log line and error of every secret.
test('a password masked in one invocation is not masked in the next', async () => {
  redact('secret');
  const lines: string[] = [];
  const original = { log: console.log, error: console.error };
  console.log = console.error = (line: string) => { lines.push(line); };
  try {
    await expect(handler({ SecretId: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders', ClientRequestToken: 't', Step: 'noStep' }))
      .rejects.toThrow(/Step "noStep" is not one of/);
  } finally {
    Object.assign(console, original);
  }
  expect(JSON.parse(lines.join('\n')).secretArn).toBe('arn:aws:secretsmanager:eu-west-1:111111111111:secret:orders');
});

// Review CE: masked in the order registered, a value that contains an earlier one was masked around it, and its end
// showed ("***&3-pending").
test('a password that contains another registered one is masked whole, whichever was registered first', () => {
  redact('Tr0ub4dor');
  redact('Tr0ub4dor&3-pending');
  expect(mask('driver said Tr0ub4dor&3-pending and Tr0ub4dor')).toBe('driver said *** and ***');
});

// Review EB: nothing ran the registration of a secret's password end to end; removing it left every test green. A
// password read from any version of a secret is masked from then on in this invocation, even when the JSON is refused.
test.each([
  ['a complete secret', { engine: 'postgres', host: 'db.example', username: 'app', password: 'Read-From-Secret_9Z' }],
  ['a secret missing its host', { engine: 'postgres', username: 'app', password: 'Read-From-Secret_9Z' }],
])('the password of %s is masked once the function has read it', (_name, value) => {
  try {
    parseDatabaseSecret(JSON.stringify(value), 'AWSCURRENT of orders');
  } catch {
    // refused: its password must be masked all the same
  }
  expect(mask('driver said: password Read-From-Secret_9Z rejected')).toBe('driver said: password *** rejected');
});
