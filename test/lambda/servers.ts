// Real servers for the rotation Lambda's tests: PostgreSQL and MariaDB from Debian's packages, and moto as the
// Secrets Manager endpoint, each on a free loopback port in a throwaway directory, with TLS from a CA made here.
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import * as net from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { AUDIT_EVENTS } from '../../src/private/database';
import { pythonTool } from '../python-tools';

const IS_ROOT = process.getuid?.() === 0;

/** What is missing and how to install it; `scripts/test-services.sh` installs all of it. */
function requireTool(path: string | undefined, what: string, install: string): string {
  if (!path || !existsSync(path)) {
    throw new Error(`${what} is missing: run \`${install}\` (or \`bash scripts/test-services.sh\`, which npm test runs first).`);
  }
  return path;
}

function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s`);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A CA and server certificates from it, so the function's TLS verification runs for real: PostgreSQL's for 127.0.0.1
 * and localhost; MariaDB's for localhost only. mysql2 checks the name `localhost` when the host is an IP address (it
 * passes no server name to TLS), so the tests' 127.0.0.1 secrets verify; `127.1` also reaches MariaDB, but mysql2
 * checks it as a name, which that certificate does not carry: an impostor with a certificate from the same CA, for
 * the host-name test.
 */
export interface Tls { readonly caPath: string; readonly certPath: string; readonly keyPath: string; readonly mariadbCertPath: string }

export function makeTls(dir: string): Tls {
  const openssl = requireTool(which('openssl'), 'openssl', 'apt-get install -y openssl');
  const p = (name: string) => join(dir, name);
  const run = (...args: string[]) => execFileSync(openssl, args, { stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=rotation-test-ca', '-keyout', p('ca.key'), '-out', p('ca.pem'));
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', p('server.key'), '-out', p('server.csr'));
  writeFileSync(p('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('san.ext'), '-out', p('server.pem'));
  writeFileSync(p('mariadb-san.ext'), 'subjectAltName=DNS:localhost\n');
  run('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('mariadb-san.ext'), '-out', p('mariadb.pem'));
  return { caPath: p('ca.pem'), certPath: p('server.pem'), keyPath: p('server.key'), mariadbCertPath: p('mariadb.pem') };
}

/**
 * Where the servers and the harness keep their files: the system's temporary directory, or
 * ROTATION_TEST_TMPDIR (a test of the harness's clean-up gives it a directory of its own).
 */
export function serversTmpdir(): string {
  return process.env.ROTATION_TEST_TMPDIR || tmpdir();
}

abstract class Server {
  public port = 0;
  protected process?: ChildProcess;
  protected readonly dir: string;

  constructor(name: string) {
    this.dir = mkdtempSync(join(serversTmpdir(), `rotation-${name}-`));
  }

  /** Stops the server abruptly, as an outage would. */
  public async stop(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise(resolve => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }

  public abstract start(): Promise<void>;

  public async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Server settings a test needs to differ from the defaults (TLS on, SCRAM-SHA-256 verifiers). */
export interface PostgresSettings {
  /** The server's `password_encryption`. @default 'scram-sha-256' */
  readonly passwordEncryption?: 'scram-sha-256' | 'md5';
  /** TLS on. @default true */
  readonly tls?: boolean;
}

export class PostgresServer extends Server {
  public readonly superuser = 'postgres';
  public readonly superuserPassword = 'test-superuser-pw';
  private readonly bin: string;

  /** Every statement the server received. */
  public get statementLogPath(): string {
    return join(this.dir, 'statements.log');
  }

  constructor(tls: Tls, private readonly settings: PostgresSettings = {}) {
    super('postgres');
    // The newest server: a client-only package (postgresql-client-<v>) also makes /usr/lib/postgresql/<v>/bin.
    const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql')
      .filter(v => ['postgres', 'initdb'].every(tool => existsSync(join('/usr/lib/postgresql', v, 'bin', tool))))
      .sort((a, b) => Number(b) - Number(a)) : [];
    this.bin = requireTool(versions[0] && join('/usr/lib/postgresql', versions[0], 'bin'), 'The PostgreSQL server', 'apt-get install -y postgresql');
    // initdb and postgres refuse to run as root: run them as the postgres system user, in a directory it owns.
    if (IS_ROOT) chownSync(this.dir, uidOf('postgres'), gidOf('postgres'));
    for (const f of [tls.certPath, tls.keyPath]) {
      execFileSync('cp', [f, this.dir]);
    }
    if (IS_ROOT) execFileSync('chown', ['postgres:postgres', join(this.dir, 'server.pem'), join(this.dir, 'server.key')]);
    execFileSync('chmod', ['600', join(this.dir, 'server.key')]);
    writeFileSync(join(this.dir, 'pw'), this.superuserPassword);
    if (IS_ROOT) execFileSync('chown', ['postgres:postgres', join(this.dir, 'pw')]);
    // md5 in pg_hba.conf accepts both md5 and SCRAM verifiers; scram-sha-256 would refuse md5 ones.
    this.asPostgres(join(this.bin, 'initdb'), ['-D', join(this.dir, 'data'), '-U', this.superuser, '--pwfile', join(this.dir, 'pw'),
      `--auth=${settings.passwordEncryption === 'md5' ? 'md5' : 'scram-sha-256'}`, '-E', 'UTF8']);
  }

  /** An outage: immediate shutdown of the postmaster (runuser's child), which takes its backends with it. */
  public async stop(): Promise<void> {
    const pidFile = join(this.dir, 'data', 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      try { process.kill(pid, 'SIGQUIT'); } catch { /* already gone */ }
      await waitFor(async () => !(await portOpen(this.port)) && !existsSync(pidFile), 'PostgreSQL shutdown');
    }
    await super.stop();
  }

  public async start(): Promise<void> {
    this.port ||= await freePort();
    const tls = this.settings.tls ?? true;
    const args = ['-D', join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1',
      '-c', `ssl=${tls ? 'on' : 'off'}`, ...(tls ? ['-c', `ssl_cert_file=${join(this.dir, 'server.pem')}`, '-c', `ssl_key_file=${join(this.dir, 'server.key')}`] : []),
      '-c', `password_encryption=${this.settings.passwordEncryption ?? 'scram-sha-256'}`,
      // Log every statement, as a badly configured server would, to prove no password reaches the server's logs.
      '-c', 'log_statement=all', '-c', 'log_connections=on', '-c', 'logging_collector=on', '-c', `log_directory=${this.dir}`, '-c', 'log_filename=statements.log'];
    this.process = IS_ROOT
      ? spawn('runuser', ['-u', 'postgres', '--', join(this.bin, 'postgres'), ...args], { stdio: 'ignore' })
      : spawn(join(this.bin, 'postgres'), args, { stdio: 'ignore' });
    // The port opens before crash recovery ends (the server answers "starting up"): wait until it takes logins.
    const isReady = join(this.bin, 'pg_isready');
    await waitFor(async () => spawnSync(isReady, ['-q', '-h', '127.0.0.1', '-p', String(this.port)]).status === 0, 'PostgreSQL');
  }

  private asPostgres(command: string, args: string[]): void {
    if (IS_ROOT) execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'ignore' });
    else execFileSync(command, args, { stdio: 'ignore' });
  }
}

export class MariaDbServer extends Server {
  public readonly superuser = 'admin';
  public readonly superuserPassword = 'test-admin-pw';
  private readonly mariadbd: string;
  private readonly client: string;

  constructor(private readonly tls: Tls) {
    super('mariadb');
    this.mariadbd = requireTool(which('mariadbd') ?? (existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : undefined), 'The MariaDB server', 'apt-get install -y mariadb-server');
    this.client = requireTool(which('mariadb'), 'The MariaDB client', 'apt-get install -y mariadb-client');
    const installDb = requireTool(which('mariadb-install-db'), 'mariadb-install-db', 'apt-get install -y mariadb-server');
    execFileSync(installDb, ['--no-defaults', `--datadir=${join(this.dir, 'data')}`, '--auth-root-authentication-method=socket', ...(IS_ROOT ? ['--user=root'] : [])], { stdio: 'ignore' });
  }

  public async start(): Promise<void> {
    const first = this.port === 0;
    this.port ||= await freePort();
    this.process = spawn(this.mariadbd, ['--no-defaults', `--datadir=${join(this.dir, 'data')}`, `--port=${this.port}`, '--bind-address=127.0.0.1', '--skip-name-resolve',
      `--socket=${this.socket}`, `--pid-file=${join(this.dir, 'mariadb.pid')}`, '--skip-log-bin', '--innodb-buffer-pool-size=16M',
      `--ssl-ca=${this.tls.caPath}`, `--ssl-cert=${this.tls.mariadbCertPath}`, `--ssl-key=${this.tls.keyPath}`,
      // Log every statement, as a badly configured server would, to prove no password reaches the server's logs.
      '--general-log=1', `--general-log-file=${this.statementLogPath}`,
      // The audit plugin as the library's MySQL and MariaDB instances load it (their option group), whose log they export.
      '--plugin-load-add=server_audit', '--server-audit-logging=ON', `--server-audit-events=${AUDIT_EVENTS}`, `--server-audit-file-path=${this.auditLogPath}`,
      ...(IS_ROOT ? ['--user=root'] : [])], { stdio: 'ignore' });
    await waitFor(async () => (await portOpen(this.port)) && spawnSync(this.client, ['--no-defaults', `--socket=${this.socket}`, '-uroot', '-e', 'SELECT 1']).status === 0, 'MariaDB');
    if (first) {
      // The superuser the tests and the alternating rotation log in with, over TCP with a password.
      // Anonymous users would shadow named ones; RDS has none.
      this.sql("DELETE FROM mysql.global_priv WHERE User = ''; FLUSH PRIVILEGES;");
      this.sql(`CREATE USER '${this.superuser}'@'%' IDENTIFIED BY '${this.superuserPassword}'; GRANT ALL PRIVILEGES ON *.* TO '${this.superuser}'@'%' WITH GRANT OPTION;`);
    }
  }

  /** Runs SQL as the server's root over its socket (set-up only, never with a rotated password). */
  public sql(statements: string): void {
    execFileSync(this.client, ['--no-defaults', `--socket=${this.socket}`, '-uroot', '-e', statements], { stdio: 'ignore' });
  }

  /** Every statement the server received. */
  public get statementLogPath(): string {
    return join(this.dir, 'statements.log');
  }

  /** The audit plugin's log, with the events the library's instances audit (AUDIT_EVENTS). */
  public get auditLogPath(): string {
    return join(this.dir, 'audit.log');
  }

  private get socket(): string {
    return join(this.dir, 'mariadb.sock');
  }
}

export class MotoServer extends Server {
  constructor() {
    super('moto');
  }

  public get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  public async start(): Promise<void> {
    const motoServer = pythonTool('moto_server');
    this.port ||= await freePort();
    this.process = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(this.port)], { stdio: 'ignore' });
    await waitFor(async () => (await fetch(`${this.endpoint}/moto-api/`)).ok, 'moto');
  }
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
}
