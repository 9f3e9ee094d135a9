// Picks the engine module for a secret, among the engines this bundle carries.
import { UnsupportedEngineError } from '../errors';
import { DatabaseSecret } from '../secret';
import { AVAILABLE_ENGINES } from './available';
import { DatabaseEngine } from './engine';

export * from './engine';

const BY_ENGINE: Record<string, keyof typeof AVAILABLE_ENGINES> = {
  'postgres': 'postgres',
  'aurora-postgresql': 'postgres',
  'mysql': 'mysql',
  'mariadb': 'mysql',
  'aurora-mysql': 'mysql',
  'aurora': 'mysql',
};

/** The Data API when the secret names a cluster ARN, otherwise a direct connection for the secret's engine. */
export function engineFor(secret: DatabaseSecret): DatabaseEngine {
  const name = secret.dbClusterArn ? 'dataApi' : BY_ENGINE[secret.engine];
  if (!name) throw new UnsupportedEngineError(`engine "${secret.engine}" is not supported; use postgres, mysql or mariadb (or an Aurora cluster with dbClusterArn for the Data API).`);
  const engine = AVAILABLE_ENGINES[name];
  if (!engine) {
    // The construct picks the bundle from the engines of the databases added to the function (RotationFunction.addEngine).
    throw new UnsupportedEngineError(`engine "${secret.dbClusterArn ? 'Data API' : secret.engine}" is not in this rotation function's bundle, which carries ${Object.keys(AVAILABLE_ENGINES).join(', ')}; call \`addEngine\` on the RotationFunction for every engine it rotates (RotatedDatabase and RotatedAuroraCluster do).`);
  }
  return engine;
}
