// A HAND-WRITTEN STAND-IN for what cannot run on this machine: Aurora's password check behind the RDS Data API.
// moto's Data API accepts every statement from every login, so a rotation could never fail a login there. This
// sits in front of moto (as a recording proxy's hook) and does what Aurora would do with the function's requests:
// it refuses a statement whose login secret holds a password other than the user's current one, and it takes the
// user's new password from the hash an ALTER USER statement sends. Everything else goes to moto unchanged.
import { createHash, createHmac, pbkdf2Sync } from 'crypto';

export class AuroraPasswordCheck {
  /** The password each database user has now, as Aurora would check it. */
  private readonly current = new Map<string, string>();
  /** Credentials of the login secrets the function created, by secret name. */
  private readonly logins = new Map<string, { username: string; password: string }>();
  /** The stored hash of a changed password; the plaintext is never seen, as on a real server. */
  private readonly hashes = new Map<string, string>();

  public setPassword(username: string, password: string): void {
    this.current.set(username, password);
    this.hashes.delete(username);
  }

  /** Called with every Secrets Manager request body: remembers what each login secret holds. */
  public onSecretsManager(action: string, body: string): void {
    const request = JSON.parse(body);
    // The value arrives with CreateSecret or, for a secret created empty, with PutSecretValue (which names it by ARN).
    const name = action === 'CreateSecret' ? String(request.Name) : action === 'PutSecretValue' ? loginSecretName(String(request.SecretId)) : '';
    if (name.startsWith('rotation-login/') && request.SecretString !== undefined) this.logins.set(name, JSON.parse(request.SecretString));
  }

  /** Called with every Data API request body: an error message to answer with, or undefined to pass it on. */
  public onDataApi(body: string): string | undefined {
    const request = JSON.parse(body);
    const name = loginSecretName(String(request.secretArn));
    const login = this.logins.get(name);
    if (!login || !this.accepts(login.username, login.password)) {
      return `FATAL: password authentication failed for user "${login?.username ?? 'unknown'}"`;
    }
    const changed = /^ALTER USER ["'`]?([^"'`@]+)["'`]?.* (?:PASSWORD|AS) '([^']+)'$/.exec(request.sql);
    if (changed) {
      this.current.delete(changed[1]);
      this.hashes.set(changed[1], changed[2]);
    }
    return undefined;
  }

  private accepts(username: string, password: string): boolean {
    const hash = this.hashes.get(username);
    if (hash === undefined) return this.current.get(username) === password;
    if (hash.startsWith('SCRAM-SHA-256$')) {
      const [, iterations, salt, keys] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$(.+)$/.exec(hash)!;
      const salted = pbkdf2Sync(password, Buffer.from(salt, 'base64'), Number(iterations), 32, 'sha256');
      const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
      return keys.split(':')[0] === storedKey;
    }
    const inner = createHash('sha1').update(password, 'utf8').digest();
    return hash === `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
  }
}

/** A secret's name from its ARN: what follows `:secret:`, less the six characters Secrets Manager appends. */
function loginSecretName(arnOrName: string): string {
  return arnOrName.includes(':secret:') ? arnOrName.split(':secret:')[1].replace(/-[A-Za-z0-9]{6}$/, '') : arnOrName;
}
