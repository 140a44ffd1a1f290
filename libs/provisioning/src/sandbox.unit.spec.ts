import { AgentConfig } from './model';
import { AgentSandbox, sandboxLoosening, type SandboxCeiling } from './sandbox';

const ceiling: SandboxCeiling = {
  memoryMb: 512,
  cpus: 1,
  pidsLimit: 256,
  bashTimeoutMs: 300_000,
  maxOutputBytes: 16_384,
  runtimesAllowed: ['runsc'],
  egress: true,
};

const problemsOf = (sandbox: unknown) => {
  const parsed = AgentSandbox.safeParse(sandbox);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe("an agent's sandbox", () => {
  it('is the operator defaults with no network when a config does not say', () => {
    expect(AgentConfig.parse({ instructions: 'x' }).sandbox).toEqual({ egress: null, runtime: null });
  });

  it('accepts lower limits, a runtime and an egress allow-list of host names', () => {
    const sandbox = AgentSandbox.parse({
      memoryMb: 128,
      cpus: 0.5,
      pidsLimit: 64,
      bashTimeoutMs: 10_000,
      maxOutputBytes: 4_096,
      runtime: 'runsc',
      egress: { allow: ['API.Example.com', '*.pypi.org', 'files.example.org:8443', 'trailing.example.com.'] },
    });
    expect(sandbox.egress!.allow).toEqual(['api.example.com', '*.pypi.org', 'files.example.org:8443', 'trailing.example.com']);
    expect(sandboxLoosening(ceiling, sandbox)).toEqual([]);
  });

  it.each([
    [{ network: 'host' }, /Unrecognized key/],
    [{ privileged: true }, /Unrecognized key/],
    [{ egress: { allow: [] } }, /egress.allow/],
    [{ egress: { allow: ['*'] } }, /never every host/],
    [{ egress: { allow: ['localhost'] } }, /needs a domain/],
    [{ egress: { allow: ['169.254.169.254'] } }, /IP addresses cannot be allow-listed/],
    [{ egress: { allow: ['[::1]'] } }, /IPv6 literals|only lowercase/],
    [{ egress: { allow: ['example.com:99999'] } }, /not a port/],
    [{ egress: { allow: ['bad_name.example.com'] } }, /only lowercase letters/],
    [{ egress: { allow: ['example.com'], deny: [] } }, /Unrecognized key/],
    [{ runtime: 'run sc' }, /runtime name/],
    [{ memoryMb: 1 }, /memoryMb/],
  ])('refuses %j with a clear reason', (sandbox, reason) => {
    expect(problemsOf(sandbox).join('; ')).toMatch(reason);
  });

  it('names every value that would loosen the operator ceiling', () => {
    const loose = AgentSandbox.parse({
      memoryMb: 4_096,
      cpus: 4,
      pidsLimit: 10_000,
      bashTimeoutMs: 3_600_000,
      maxOutputBytes: 1_000_000,
      runtime: 'kata',
    });
    expect(sandboxLoosening(ceiling, loose)).toEqual([
      expect.stringMatching(/^sandbox.memoryMb: 4096 is above the operator's 512 \(SANDBOX_MEMORY_MB\)/),
      expect.stringMatching(/^sandbox.cpus: 4 is above the operator's 1 \(SANDBOX_CPUS\)/),
      expect.stringMatching(/^sandbox.pidsLimit: 10000 is above/),
      expect.stringMatching(/^sandbox.bashTimeoutMs: 3600000 is above/),
      expect.stringMatching(/^sandbox.maxOutputBytes: 1000000 is above/),
      'sandbox.runtime: "kata" is not a runtime the operator allows (SANDBOX_RUNTIMES_ALLOWED: runsc)',
    ]);
    expect(sandboxLoosening({ ...ceiling, egress: false }, AgentSandbox.parse({ egress: { allow: ['example.com'] } }))).toEqual([
      'sandbox.egress: the operator has turned egress off (SANDBOX_EGRESS=off)',
    ]);
  });
});
