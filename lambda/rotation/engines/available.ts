// The engines this build of the function carries. This file (every engine) is what the TypeScript sources and the
// combined bundle use; scripts/bundle-rotation.mjs replaces it per bundle with one that imports only that bundle's
// engine, so the PostgreSQL bundle carries no mysql2 and the Data API bundle no driver at all.
import { dataApi } from './data-api';
import { DatabaseEngine } from './engine';
import { mysql } from './mysql';
import { postgres } from './postgres';

export const AVAILABLE_ENGINES: { postgres?: DatabaseEngine; mysql?: DatabaseEngine; dataApi?: DatabaseEngine } = { postgres, mysql, dataApi };
