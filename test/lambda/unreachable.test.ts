// The function cannot reach Secrets Manager (a missing or closed VPC endpoint, a security group that drops its
// packets): the step must fail in time, within Lambda's 60 s, with an error that names the service and where to
// look, not end as Lambda's bare "Task timed out". No database and no emulator: only an endpoint that refuses
// connections, and one that accepts them and never answers.
import { execFile } from 'child_process';
import { AddressInfo, Server, Socket, createServer } from 'net';
import { promisify } from 'util';
import { bundlePath } from './rotation-harness';

const execFileAsync = promisify(execFile);

/** Runs createSecret of the PostgreSQL bundle in a fresh process whose Secrets Manager endpoint is `endpoint`. */
async function createSecretAgainst(endpoint: string): Promise<{ kind: string; message: string; seconds: number }> {
  const script = [
    'const started = Date.now();',
    'require(process.argv[1]).handler({ SecretId: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf", ClientRequestToken: "t-1", Step: "createSecret" })',
    '  .then(() => ({ kind: "none", message: "" }), e => ({ kind: e.kind ?? e.name, message: e.message }))',
    '  .then(r => process.stderr.write("REPORT " + JSON.stringify({ ...r, seconds: (Date.now() - started) / 1000 }) + "\\n"));',
  ].join('\n');
  const { stderr } = await execFileAsync(process.execPath, ['-e', script, bundlePath('postgres')], {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      PASSWORD_LENGTH: '32',
    },
    timeout: 90_000,
  });
  const line = stderr.split('\n').find(l => l.startsWith('REPORT '));
  if (!line) throw new Error(`the process reported nothing: ${stderr}`);
  return JSON.parse(line.slice('REPORT '.length));
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

test('an endpoint that refuses connections: ServiceUnreachable, naming Secrets Manager, the endpoint and what to check', async () => {
  const server = createServer();
  const port = await listen(server);
  await new Promise(resolve => server.close(resolve));
  const result = await createSecretAgainst(`http://127.0.0.1:${port}`);
  expect(result.kind).toBe('ServiceUnreachable');
  expect(result.message).toMatch(new RegExp(`^Secrets Manager could not be reached at http://127.0.0.1:${port} \\(ECONNREFUSED.*security group admits the rotation function`));
}, 60_000);

test('an endpoint that never answers: the step fails with ServiceUnreachable well within Lambda\'s 60 s timeout', async () => {
  const sockets: Socket[] = [];
  const server = createServer(socket => { sockets.push(socket); });
  const port = await listen(server);
  try {
    const result = await createSecretAgainst(`http://127.0.0.1:${port}`);
    expect(result.kind).toBe('ServiceUnreachable');
    expect(result.message).toMatch(/^Secrets Manager could not be reached at http:\/\/127\.0\.0\.1:\d+ \((TimeoutError|ETIMEDOUT)/);
    expect(result.seconds).toBeLessThan(50);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise(resolve => server.close(resolve));
  }
}, 90_000);
