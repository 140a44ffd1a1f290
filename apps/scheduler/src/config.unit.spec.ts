import { undocumentedKeys } from '@clawfleet/testing';
import { SchedulerConfig } from './config';

it('documents every setting it reads in .env.example', () => {
  expect(undocumentedKeys(SchedulerConfig)).toEqual([]);
});
