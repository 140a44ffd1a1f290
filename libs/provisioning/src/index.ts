export * from './model';
export * from './patterns';
export * from './credentials';
export * from './routing-data';
export * from './entities';
export { ProvisioningRepository } from './provisioning.repository';
export * from './pairings';
export { provisioningMigrations } from './migrations';
