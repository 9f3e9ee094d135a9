// Structured JSON logs that cannot carry a secret value: only named, non-secret fields are written, and any
// value registered with `redact` is masked wherever it appears (driver messages included).

export interface LogFields {
  readonly step?: string;
  readonly secretArn?: string;
  readonly token?: string;
  readonly engine?: string;
  readonly host?: string;
  readonly username?: string;
  readonly strategy?: string;
  readonly errorKind?: string;
  readonly error?: string;
}

const redacted = new Set<string>();

/**
 * Forgets the values of earlier invocations: each masks what it handles itself. Kept for a warm container's life, a
 * password a writer set to common text ("e", "arn") would mask every later line of every secret the function serves.
 */
export function forgetRedacted(): void {
  redacted.clear();
}

/** Masks `value` in everything logged from now on (passwords the function handles). */
export function redact(value: string | undefined): void {
  if (value) redacted.add(value);
}

/**
 * `text` with every registered value replaced by `***`: as it is, and as JSON escapes it (a log line is JSON, where a
 * password's `"` or `\\` would otherwise no longer match it).
 */
export function mask(text: string): string {
  let out = text;
  // Longest first: a value that contains another (a new password that extends the old) is masked whole, not around it.
  for (const value of [...redacted].sort((a, b) => b.length - a.length)) {
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) out = out.split(escaped).join('***');
    out = out.split(value).join('***');
  }
  return out;
}

function write(level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: LogFields): void {
  const line = mask(JSON.stringify({ level, message, ...fields }));
  if (level === 'ERROR') console.error(line);
  else console.log(line);
}

export const log = {
  info: (message: string, fields: LogFields = {}) => write('INFO', message, fields),
  warn: (message: string, fields: LogFields = {}) => write('WARN', message, fields),
  error: (message: string, fields: LogFields = {}) => write('ERROR', message, fields),
};
