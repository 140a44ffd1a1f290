import { undocumentedKeys } from '@clawfleet/testing';
import { RunnerConfig } from './config';
import { sandboxCeiling } from './sandbox/sandbox.config';

it('documents every setting it reads in .env.example', () => {
  expect(undocumentedKeys(RunnerConfig)).toEqual([]);
});

describe('the sandbox settings', () => {
  const parse = (env: Record<string, string>) => RunnerConfig.safeParse(env);

  it('are the ceiling of every agent sandbox', () => {
    const config = RunnerConfig.parse({ SANDBOX_MEMORY_MB: '256', SANDBOX_RUNTIMES_ALLOWED: 'runsc, kata', SANDBOX_EGRESS: 'off' });
    expect(sandboxCeiling(config)).toEqual({
      memoryMb: 256,
      cpus: 1,
      pidsLimit: 256,
      bashTimeoutMs: 300_000,
      maxOutputBytes: 16_384,
      runtimesAllowed: ['runsc', 'kata'],
      egress: false,
    });
    expect(RunnerConfig.parse({}).SANDBOX_EGRESS_ALLOW_PRIVATE).toEqual([]);
  });

  it('let a private address through egress only when named narrowly, and refuse to start otherwise', () => {
    expect(parse({ SANDBOX_EGRESS_ALLOW_PRIVATE: '10.200.0.2/32,fd12::/120' }).data?.SANDBOX_EGRESS_ALLOW_PRIVATE).toEqual([
      '10.200.0.2/32',
      'fd12::/120',
    ]);
    for (const [value, reason] of [
      ['10.0.0.0/8', /wider than \/24/],
      ['10.200.0.2', /with its prefix/],
      ['127.0.0.1/32', /loopback/],
      ['169.254.169.254/32', /link-local/],
    ] as const) {
      const result = parse({ SANDBOX_EGRESS_ALLOW_PRIVATE: value });
      expect(result.success).toBe(false);
      expect(result.error!.issues.map((i) => i.message).join()).toMatch(reason);
    }
    expect(parse({ SANDBOX_RUNTIMES_ALLOWED: 'run sc' }).success).toBe(false);
  });
});
