export * from './protected-secret';
export * from './rotation-function';
export * from './rotated-database';
export * from './rotation-options';
export * from './rotated-aurora-cluster';
export * from './secret-alert-topic';
export * from './secret-monitoring';
export * from './secrets-guard';
