import { Delivery1732100000200 } from './1732100000200-delivery';

export const deliveryMigrations = [Delivery1732100000200];
