// Picks the engine module for a secret.
import { UnsupportedEngineError } from '../errors';
import { DatabaseSecret } from '../secret';
import { dataApi } from './data-api';
import { DatabaseEngine } from './engine';
import { mysql } from './mysql';
import { postgres } from './postgres';

export * from './engine';

const BY_ENGINE: Record<string, DatabaseEngine> = {
  'postgres': postgres,
  'aurora-postgresql': postgres,
  'mysql': mysql,
  'mariadb': mysql,
  'aurora-mysql': mysql,
  'aurora': mysql,
};

/** The Data API when the secret names a cluster ARN, otherwise a direct connection for the secret's engine. */
export function engineFor(secret: DatabaseSecret): DatabaseEngine {
  if (secret.dbClusterArn) return dataApi;
  const engine = BY_ENGINE[secret.engine];
  if (!engine) throw new UnsupportedEngineError(`engine "${secret.engine}" is not supported; use postgres, mysql or mariadb (or an Aurora cluster with dbClusterArn for the Data API).`);
  return engine;
}
