// The MySQL code path's password statements on a server whose sql_mode has NO_BACKSLASH_ESCAPES, where "backslash
// becomes an ordinary character like any other" (https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sqlmode_no_backslash_escapes).
// A stand-in, named as such: no MySQL server installs here (Debian's default-mysql-server is MariaDB), so the tests run
// the function's MySQL path (plaintext `IDENTIFIED BY`, what RDS for MySQL gets) against a real MariaDB server, which
// takes that statement and that sql_mode the same way.
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { MariaDbServer, makeTls } from './servers';

let server: MariaDbServer;
let caPath: string;
const tlsDir = mkdtempSync(join(tmpdir(), 'mysql-quoting-'));

beforeAll(async () => {
  const tls = makeTls(tlsDir);
  caPath = tls.caPath;
  server = new MariaDbServer(tls);
  await server.start();
}, 120_000);

afterAll(async () => {
  await server?.destroy();
  rmSync(tlsDir, { recursive: true, force: true });
});

// The characters mysql2 escapes with a backslash, which the function's default excludeCharacters leaves out and a
// user's own may let in.
// A `?` too: mysql2 fills placeholders in the statement's text, and must not take one inside the password for its own.
const PASSWORDS = ['Ab1\\xyz9876', 'Zq7\'SECRETTAIL42', 'Qw3"dbl"quote', 'Mix\\\'"all3?x', 'Plain0pass1word?'];

// MariaDB's default sql_mode, with and without NO_BACKSLASH_ESCAPES (its NO_AUTO_CREATE_USER makes a GRANT that names
// an unknown account fail rather than create it).
const DEFAULT_MODE = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION';
test.each([['without', DEFAULT_MODE], ['with', `${DEFAULT_MODE},NO_BACKSLASH_ESCAPES`]])('sql_mode %s NO_BACKSLASH_ESCAPES: createPair and setPassword set exactly the password, whatever it holds, a TLS subject is copied exactly, and a user name with a quote is refused', (name, mode) => {
  server.sql(`SET GLOBAL sql_mode = '${mode}'`);
  const output = execFileSync('npx', ['ts-node', '--transpile-only', join(__dirname, 'mysql-quoting-driver.ts'),
    JSON.stringify({ port: server.port, superuser: server.superuser, superuserPassword: server.superuserPassword, passwords: PASSWORDS, prefix: `q${name}` })],
  { env: { ...process.env, CA_BUNDLE_PATH: caPath }, encoding: 'utf8', timeout: 60_000 });
  const results = JSON.parse(output);
  for (const password of PASSWORDS) expect({ password, ...results[password] }).toEqual({ password, createPair: true, setPassword: true });
  // A certificate subject the other user must require as the first does, copied exactly.
  expect(results.tlsSubject).toEqual({ copied: true, accounts: [`q${name}tls_clone@%`] });
  expect(results.quotedName).toEqual({ refused: true });
}, 90_000);
