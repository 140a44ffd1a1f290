import { undocumentedKeys } from '@clawfleet/testing';
import { AdminConfig } from './config';

it('documents every setting it reads in .env.example', () => {
  expect(undocumentedKeys(AdminConfig)).toEqual([]);
});
