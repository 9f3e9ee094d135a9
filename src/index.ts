export * from './protected-secret';
