import { undocumentedKeys } from '@clawfleet/testing';
import { RouterConfig } from './config';

it('documents every setting it reads in .env.example', () => {
  expect(undocumentedKeys(RouterConfig)).toEqual([]);
});
