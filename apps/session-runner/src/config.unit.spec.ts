import { undocumentedKeys } from '@clawfleet/testing';
import { RunnerConfig } from './config';

it('documents every setting it reads in .env.example', () => {
  expect(undocumentedKeys(RunnerConfig)).toEqual([]);
});
