export * from './api-key';
export * from './scopes';
export * from './api-keys.repository';
export * from './key-verifier';
export * from './chat-owner';
export { Auth1732100000700 } from './migrations/1732100000700-auth';

import { Auth1732100000700 } from './migrations/1732100000700-auth';
/** Migrations of the API keys, for the apps that read or write them. */
export const authMigrations = [Auth1732100000700];
