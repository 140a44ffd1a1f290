import { deliveryRecordMigrations } from '@clawfleet/records';

/** Delivery's tables live in libs/records (the admin API lists the failures). */
export const deliveryMigrations = deliveryRecordMigrations;
