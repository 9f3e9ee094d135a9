// AWS clients, built once per container. The SDK reads AWS_ENDPOINT_URL_SECRETS_MANAGER itself, which the tests
// use to point it at a local emulator. The RDS Data client is built by the Data API engine (engines/data-api.ts),
// so the PostgreSQL and MySQL bundles do not carry it.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceUnreachableError } from './errors';

/**
 * How long a request may take to connect, and to be answered. The SDK sets neither by default, so an endpoint that
 * accepts a connection and never answers (or a security group that drops packets) held the function until Lambda's
 * timeout (180 s), which logs "Task timed out" and nothing of the cause. With these, the SDK's three attempts of a call
 * end within about 35 s and the step fails with a ServiceUnreachable error naming the service. `throwOnRequestTimeout`:
 * without it the handler only warns when the request timeout passes (@smithy/node-http-handler).
 */
export const HTTP_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true };

/** Errors of the connection itself, as Node.js and the SDK's HTTP handler name them: no answer came from the service. */
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Makes a failure to reach `service` a ServiceUnreachableError that names the service, the endpoint variable the
 * construct sets and where to look; a service's own answer (it has an HTTP status) passes unchanged. Added at the
 * initialize step, outside the SDK's retries, so it sees the last attempt's error.
 */
export function nameUnreachableService<C extends { middlewareStack: { add: (...args: any[]) => void } }>(
  client: C, service: string, variable: string,
): C {
  client.middlewareStack.add((next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
    try {
      return await next(args);
    } catch (error) {
      const e = error as { code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const code = e?.code ?? e?.name;
      if (e?.$metadata?.httpStatusCode === undefined && code !== undefined && (NETWORK_ERRORS.has(code) || code === 'TimeoutError')) {
        const endpoint = process.env[variable] ?? `the regional endpoint (${variable} is not set)`;
        throw new ServiceUnreachableError(`${service} could not be reached at ${endpoint} (${code}: ${e.message ?? ''}). Check that the VPC endpoint `
          + 'exists and its security group admits the rotation function, and that the function\'s subnets route to it (or to a NAT gateway).');
      }
      throw error;
    }
  }, { step: 'initialize', name: 'nameUnreachableService' });
  return client;
}

export const secretsManager = nameUnreachableService(
  new SecretsManagerClient({ requestHandler: HTTP_TIMEOUTS }), 'Secrets Manager', 'AWS_ENDPOINT_URL_SECRETS_MANAGER');
