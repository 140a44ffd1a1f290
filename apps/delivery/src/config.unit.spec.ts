import { undocumentedKeys } from '@clawfleet/testing';
import { DeliveryConfig } from './config';

it('documents every setting it reads in .env.example', () => {
  expect(undocumentedKeys(DeliveryConfig)).toEqual([]);
});
