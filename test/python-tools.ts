// The Python tools the tests run (moto, cfn-lint, checkov) at the versions pinned in test/requirements.txt: from the
// project's .venv, which `scripts/test-services.sh` fills, so a newer release on PATH cannot change a result.
import { existsSync } from 'fs';
import { join } from 'path';

const VENV_BIN = join(__dirname, '..', '.venv', 'bin');

/** The path of a pinned Python tool, or an error that says how to install it. */
export function pythonTool(name: 'moto_server' | 'cfn-lint' | 'checkov'): string {
  const path = join(VENV_BIN, name);
  if (!existsSync(path)) {
    throw new Error(`${name} is missing from .venv: run \`bash scripts/test-services.sh\` (npm test runs it first), which installs test/requirements.txt.`);
  }
  return path;
}
