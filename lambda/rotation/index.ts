// The rotation function's entry point: checks the event and the secret's stages, then runs one step.
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { secretsManager } from './clients';
import { FIRST_USER_SUPERUSER_TAG, FIRST_USER_TAG, RotationContext } from './context';
import { InvalidEventError, RotationNotEnabledError, TokenNotStagedError } from './errors';
import { forgetRedacted, log, mask } from './log';
import { createSecret, prefetch } from './steps/create-secret';
import { finishSecret } from './steps/finish-secret';
import { setSecret } from './steps/set-secret';
import { testSecret } from './steps/test-secret';

/** The event Secrets Manager sends for each rotation step. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: string;
  readonly RotationToken?: string;
}

/** A step, begun when the event arrives; what it returns runs once the handler's checks have passed. */
type Step = (event: RotationEvent) => (ctx: RotationContext) => Promise<void>;

const STEPS: Record<string, Step> = {
  // createSecret's reads leave with DescribeSecret (steps/create-secret.ts, prefetch); the other steps log in to the
  // database, which costs far more than a round trip, and begin after the checks.
  createSecret: event => {
    const reads = prefetch(event.SecretId, event.ClientRequestToken);
    return ctx => createSecret(ctx, reads);
  },
  setSecret: () => setSecret,
  testSecret: () => testSecret,
  finishSecret: () => finishSecret,
};

export async function handler(event: RotationEvent): Promise<void> {
  forgetRedacted();
  const fields = { step: event?.Step, secretArn: event?.SecretId, token: event?.ClientRequestToken };
  try {
    // The checks below are AWS's functions', in their order, on DescribeSecret's answer
    // (https://github.com/aws-samples/aws-secrets-manager-rotation-lambdas/blob/master/SecretsManagerRDSPostgreSQLRotationSingleUser/lambda_function.py,
    // lambda_handler). A step may begin with reads before that answer (createSecret does: one round trip less on a cold
    // start), never with a write: nothing it sends before the checks pass changes the secret, their errors win over
    // any failure of those reads, and a refused invocation leaves the reads unawaited (marked handled, so no
    // unhandled rejection crashes the runtime) for a retry to send again.
    const run = beginStep(event);
    const metadata = await secretsManager.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
    const secretArn = metadata.ARN ?? event.SecretId;
    if (!metadata.RotationEnabled) {
      throw new RotationNotEnabledError(`Secret ${secretArn} is not enabled for rotation; add a rotation schedule before invoking the function.`);
    }
    const stages = metadata.VersionIdsToStages?.[event.ClientRequestToken];
    if (!stages) {
      throw new TokenNotStagedError(`Version ${event.ClientRequestToken} is not a version of ${secretArn}; the token must come from Secrets Manager's RotateSecret.`);
    }
    if (stages.includes('AWSCURRENT')) {
      log.info('The version is already AWSCURRENT: nothing to do', fields);
      return;
    }
    if (!stages.includes('AWSPENDING')) {
      throw new TokenNotStagedError(`Version ${event.ClientRequestToken} of ${secretArn} is not staged AWSPENDING; start a new rotation.`);
    }
    await run({
      secretArn,
      token: event.ClientRequestToken,
      rotationToken: event.RotationToken,
      kmsKeyId: metadata.KmsKeyId,
      versionIdsToStages: metadata.VersionIdsToStages ?? {},
      firstUser: metadata.Tags?.find(tag => tag.Key === FIRST_USER_TAG)?.Value,
      firstUserSuperuser: metadata.Tags?.find(tag => tag.Key === FIRST_USER_SUPERUSER_TAG)?.Value,
    });
  } catch (thrown) {
    // What the handler throws is logged by the Lambda runtime and shown by Secrets Manager, outside log.ts: mask
    // every password the function has seen in it too (a driver's message may quote one).
    const error = asError(thrown);
    error.message = mask(error.message);
    if (error.stack) error.stack = mask(error.stack);
    log.error('Rotation step failed', { ...fields, errorKind: (error as { kind?: string }).kind ?? error.name, error: error.message });
    throw error;
  }
}

/**
 * A thrown value as an Error whose text can be masked. The drivers, the AWS SDK and the function throw Errors; anything
 * else a dependency might throw (a string, an object with a message, `null`) becomes a new Error of its masked text and
 * name, since the value itself cannot be masked in place and would reach the runtime as it was thrown.
 */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  const fields = typeof thrown === 'object' && thrown !== null ? thrown as { name?: unknown; message?: unknown } : {};
  const error = new Error(mask(typeof fields.message === 'string' ? fields.message : String(thrown)));
  if (typeof fields.name === 'string') error.name = fields.name;
  return error;
}

/** Checks the event, then begins its step. */
function beginStep(event: RotationEvent): (ctx: RotationContext) => Promise<void> {
  for (const field of ['SecretId', 'ClientRequestToken', 'Step'] as const) {
    if (typeof event?.[field] !== 'string' || event[field] === '') {
      throw new InvalidEventError(`The event has no ${field}; the function expects Secrets Manager's rotation event.`);
    }
  }
  // Own names only: `toString` or `constructor` would otherwise be found on every object and run as a step.
  const begin = Object.prototype.hasOwnProperty.call(STEPS, event.Step) ? STEPS[event.Step] : undefined;
  if (!begin) throw new InvalidEventError(`Step "${event.Step}" is not one of ${Object.keys(STEPS).join(', ')}.`);
  return begin(event);
}
