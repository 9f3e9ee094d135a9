// Run by mysql-quoting.test.ts in a process of its own: the engine loads mysql2 with a dynamic import, which jest's
// module system refuses. Usage: ts-node mysql-quoting-driver.ts '<json: port, superuser, superuserPassword, passwords>'.
// Prints, for each password, whether each statement set exactly that password (a login with it succeeds).
import { mysql } from '../../lambda/rotation/engines/mysql';
import { DatabaseSecret } from '../../lambda/rotation/secret';

const { port, superuser, superuserPassword, passwords, prefix } = JSON.parse(process.argv[2]);
const target = { engine: 'mysql', host: '127.0.0.1', port, username: 'app', password: '' } as DatabaseSecret;
const context = { secretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:app-AbCdEf' };

/** A session on the function's MySQL path (plaintext IDENTIFIED BY, what RDS for MySQL gets). */
async function session(username: string, password: string) {
  const s = await mysql.connect({ ...target, username, password }, { ...target, username }, context);
  (s as unknown as { mariadb: boolean }).mariadb = false;
  return s;
}

async function logsIn(username: string, password: string): Promise<boolean> {
  try {
    await (await mysql.connect({ ...target, username, password }, { ...target, username }, context)).close();
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const results: Record<string, Record<string, unknown>> = {};
  for (const [i, password] of (passwords as string[]).entries()) {
    const user = `${prefix}${i}`;
    const result: Record<string, boolean | string> = {};
    results[password] = result;
    const admin = await session(superuser, superuserPassword);
    try {
      await admin.createPair(user, `${user}_clone`, password);
      result.createPair = await logsIn(`${user}_clone`, password);
      await admin.setPassword(user, password);
      result.setPassword = await logsIn(user, password);
      await admin.setPassword(`${user}_clone`, 'Plain0pass1word');
    } catch (error) {
      result.error = (error as Error).message;
    } finally {
      await admin.close();
    }
  }
  // The TLS requirement copied to the other user of a pair (ensureUser): a subject with a quote and a backslash.
  const subject = '/CN=Doe\\, John/O=O\'Brien';
  type Raw = { connection: { query(sql: string, values?: unknown[]): Promise<[{ subject: Buffer | string }[]]> } };
  // Set up in a session of its own without NO_BACKSLASH_ESCAPES, where the driver's escaping holds.
  const setup = await session(superuser, superuserPassword);
  await (setup as unknown as Raw).connection.query("SET SESSION sql_mode = ''");
  await (setup as unknown as Raw).connection.query('CREATE USER ?@\'%\' IDENTIFIED BY \'Plain0pass1word\' REQUIRE SUBJECT ?', [`${prefix}tls`, subject]);
  await setup.close();
  const admin = await session(superuser, superuserPassword);
  try {
    await admin.ensureUser(`${prefix}tls_clone`, 'Plain0pass1word', `${prefix}tls`);
    const [rows] = await (admin as unknown as Raw).connection.query('SELECT x509_subject AS subject FROM mysql.user WHERE User = ?', [`${prefix}tls_clone`]);
    const [accounts] = await (admin as unknown as { connection: { query(sql: string, values: unknown[]): Promise<[{ account: string }[]]> } })
      .connection.query("SELECT CONCAT(User, '@', Host) AS account FROM mysql.user WHERE User = ?", [`${prefix}tls_clone`]);
    // Copied exactly, and to that one account: no other host made up of a misread quote.
    results.tlsSubject = { copied: rows[0].subject.toString() === subject, accounts: accounts.map(a => a.account) };
  } catch (error) {
    results.tlsSubject = { error: (error as Error).message };
  } finally {
    await admin.close();
  }
  // A user name the escaping cannot carry under NO_BACKSLASH_ESCAPES is refused before any statement.
  const named = await session(superuser, superuserPassword);
  try {
    await named.setPassword("o'brien", 'Plain0pass1word');
    results.quotedName = { refused: false };
  } catch (error) {
    results.quotedName = { refused: /holds a quote, a backslash or a control character/.test((error as Error).message) };
  } finally {
    await named.close();
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch(error => { process.stderr.write(String(error)); process.exit(1); });
