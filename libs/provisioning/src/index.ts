export * from './model';
export * from './sandbox';
export * from './patterns';
export * from './credentials';
export * from './routing-data';
export * from './entities';
export { ProvisioningRepository } from './provisioning.repository';
export { provisioningMigrations } from './migrations';
export * from './resources';
