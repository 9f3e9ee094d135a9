export * from './protected-secret';
export * from './rotation-function';
export * from './rotated-database';
