import { undocumentedKeys } from '@clawfleet/testing';
import { GatewayConfig } from './config';

it('documents every setting it reads in .env.example', () => {
  expect(undocumentedKeys(GatewayConfig)).toEqual([]);
});
