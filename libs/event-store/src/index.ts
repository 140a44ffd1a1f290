export * from './types';
export * from './event-store';
export * from './aggregate';
export * from './outbox-relay';
export * from './outbox-message';
export { EventStore1732100000000 } from './migrations/1732100000000-event-store';
export { OutboxOwner1732100000880 } from './migrations/1732100000880-outbox-owner';

import { EventStore1732100000000 } from './migrations/1732100000000-event-store';
import { OutboxOwner1732100000880 } from './migrations/1732100000880-outbox-owner';
/** Migrations of the event store, for the apps that use it. */
export const eventStoreMigrations = [EventStore1732100000000, OutboxOwner1732100000880];
export * from './state-cache';
