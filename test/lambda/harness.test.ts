// The test harness itself (review CX): a start that fails midway must not leave database servers running after the
// tests, nor their data directories and TLS keys behind.
import { execFileSync } from 'child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { startHarness } from './rotation-harness';

test('a harness whose start fails after the servers are up stops them and removes their directories', async () => {
  // Its own temporary directory, so the other test files' harnesses do not count; world-writable like /tmp, since
  // PostgreSQL runs as its own user inside it.
  const scratch = mkdtempSync(join(tmpdir(), 'harness-test-'));
  chmodSync(scratch, 0o1777);
  process.env.ROTATION_TEST_TMPDIR = scratch;
  let whileRunning: string[] = [];
  let motoPort = '';
  try {
    await expect(startHarness({
      secretsManagerEndpoint: async moto => {
        whileRunning = readdirSync(scratch);
        motoPort = new URL(moto).port;
        throw new Error('the proxy failed to start');
      },
    })).rejects.toThrow('the proxy failed to start');
  } finally {
    delete process.env.ROTATION_TEST_TMPDIR;
  }
  expect(whileRunning.map(name => name.replace(/-[^-]+$/, '')).sort()).toEqual(['rotation-mariadb', 'rotation-moto', 'rotation-postgres', 'rotation-tls']);
  expect(readdirSync(scratch)).toEqual([]);
  const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  expect(processes).not.toContain(scratch);
  expect(processes).not.toMatch(new RegExp(`moto_server .*-p ${motoPort}\\b`));
  rmSync(scratch, { recursive: true, force: true });
}, 180_000);
