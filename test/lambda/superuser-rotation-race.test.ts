// Alternating users while the superuser secret's own rotation ends: a RotatedDatabase with `superuserSecret` has two
// schedules, both rotating at deploy (rotateImmediatelyOnUpdate), with no order between them. The superuser's
// finishSecret may move its AWSCURRENT, and Secrets Manager clear its AWSPENDING, between the function's read of the
// superuser's AWSCURRENT and of its AWSPENDING (review BV): the superuser secret works, so setSecret must too.
import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { recordingProxy } from './recording-proxy';
import {
  Engine, Harness, canLogIn, createDatabaseSecret, createDatabaseUser, createSuperuser, listAsFirstRotationSecret, stageValue, startHarness,
  startRotationLikeSecretsManager, stepLikeSecretsManager,
} from './rotation-harness';
import { FIRST_USER_SUPERUSER_TAG, FIRST_USER_TAG } from '../../src/private/alternating-users';

let h: Harness;
let counter = 0;
const unique = (prefix: string) => `race${prefix}${++counter}`;
/** Runs once, just before the function's read of the superuser's AWSPENDING reaches Secrets Manager (moto). */
let beforeSuperuserPendingRead: { masterArn: string; run: () => Promise<void> } | undefined;

beforeAll(async () => {
  h = await startHarness({
    secretsManagerEndpoint: async moto => (await recordingProxy(moto, async (action, body) => {
      const request = JSON.parse(body || '{}');
      const hook = beforeSuperuserPendingRead;
      if (hook && action === 'GetSecretValue' && request.SecretId === hook.masterArn && request.VersionStage === 'AWSPENDING' && !request.VersionId) {
        beforeSuperuserPendingRead = undefined;
        await hook.run();
      }
      return undefined;
    })).endpoint,
  });
}, 180_000);
afterAll(async () => { await h?.stop(); });

describe.each<Engine>(['postgres', 'mariadb'])('%s', engine => {
  test.each([['the first rotation (the user is created)', true], ['a later rotation', false]])(
    'the superuser\'s rotation ends during setSecret of %s: setSecret logs in with its new AWSCURRENT', async (_name, first) => {
      const superuser = unique('root');
      await createSuperuser(h, engine, superuser, `Initial-${superuser}-pw`);
      const masterArn = await createDatabaseSecret(h, engine, { username: superuser, password: `Initial-${superuser}-pw` });
      const username = unique(first ? 'first' : 'alt');
      let secretArn: string;
      if (first) {
        secretArn = await createDatabaseSecret(h, engine, { username, password: `Generated-${username}-pw`, masterarn: masterArn },
          { [FIRST_USER_TAG]: username, [FIRST_USER_SUPERUSER_TAG]: masterArn });
        await listAsFirstRotationSecret(h, masterArn, secretArn);
      } else {
        await createDatabaseUser(h, engine, username, `Initial-${username}-pw`);
        secretArn = await createDatabaseSecret(h, engine, { username, password: `Initial-${username}-pw`, masterarn: masterArn });
      }
      // The superuser's rotation has changed its password (setSecret) and is about to finish.
      const masterToken = await startRotationLikeSecretsManager(h, masterArn);
      for (const step of ['createSecret', 'setSecret', 'testSecret']) await stepLikeSecretsManager(h, masterArn, masterToken, step);
      const masterOld = (await stageValue(h, masterArn, 'AWSCURRENT')).versionId;

      const token = await startRotationLikeSecretsManager(h, secretArn);
      await stepLikeSecretsManager(h, secretArn, token, 'createSecret');
      // What the superuser's finishSecret and then Secrets Manager do, after the function read the old AWSCURRENT.
      beforeSuperuserPendingRead = {
        masterArn,
        run: async () => {
          await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: masterArn, VersionStage: 'AWSCURRENT', MoveToVersionId: masterToken, RemoveFromVersionId: masterOld }));
          await h.sm.send(new UpdateSecretVersionStageCommand({ SecretId: masterArn, VersionStage: 'AWSPENDING', RemoveFromVersionId: masterToken }));
        },
      };
      await stepLikeSecretsManager(h, secretArn, token, 'setSecret');
      expect(beforeSuperuserPendingRead).toBeUndefined();
      for (const step of ['testSecret', 'finishSecret']) await stepLikeSecretsManager(h, secretArn, token, step);
      const { value } = await stageValue(h, secretArn, 'AWSCURRENT');
      expect(await canLogIn(h, engine, value.username, value.password)).toBe(true);
    });
});
