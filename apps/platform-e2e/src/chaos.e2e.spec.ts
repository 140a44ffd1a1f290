import { explainRun, runChaos, type ChaosRunResult, type FaultKind } from '@clawfleet/testing';

/**
 * The short form of the chaos suite (`npm run chaos` is the long one, see docs/reliability.md):
 * its own nats-server and PostgreSQL on free ports, the six apps with two session-runners, eight
 * chats talking in a closed loop (a quarter of the messages make the model call a tool), and ten
 * faults one after another. Every accepted message must get exactly one reply, in order.
 */
const PLAN: FaultKind[] = [
  'kill9:router',
  'kill9:session-runner',
  'kill9:delivery',
  'runner:mid-tool',
  'nats:restart',
  'delivery:mid-send',
  'pg:restart-fast',
  'kill9:channel-gateway',
  'kill9:session-runner',
  'pg:restart-immediate',
];

let run: ChaosRunResult;

beforeAll(async () => {
  run = await runChaos({
    plan: PLAN,
    chats: 8,
    gapMs: [300, 800],
    downMs: [500, 1_000],
    recoveryWaitMs: 15_000,
    settleMs: 30_000,
    log: process.env.CHAOS_VERBOSE === '1' ? (m) => process.stderr.write(`[chaos] ${m}\n`) : undefined,
  });
}, 170_000);

afterAll(() => {
  if (run)
    process.stderr.write(`[chaos] ${run.report.line} (seed ${run.seed}, ${(run.durationMs / 1000).toFixed(0)} s)\n`);
});

/** On failure: the timeline of each problem message and the apps' last log lines. */
function evidence(): string {
  const logs = Object.entries(run.logs ?? {})
    .map(([instance, lines]) => `--- ${instance}\n${lines.slice(-40).join('\n')}`)
    .join('\n');
  return `${explainRun(run)}\n\nseed ${run.seed}\n\n${logs}`;
}

describe(`chaos, short form (${PLAN.length} faults)`, () => {
  it('injected every fault of the plan', () => {
    const injected = run.records.faults.filter((f) => !f.skipped && !f.error).map((f) => f.kind);
    expect({ injected, skipped: run.records.faults.filter((f) => f.skipped || f.error) }).toEqual({
      injected: PLAN,
      skipped: [],
    });
    expect(run.report.turns).toBeGreaterThan(100);
  });

  it('loses no accepted message', () => {
    if (run.report.lost > 0) throw new Error(`${run.report.lost} lost\n${evidence()}`);
  });

  it('duplicates no reply outside the documented send window', () => {
    const outside = run.report.duplicated - run.report.windowDuplicated;
    if (outside > 0) throw new Error(`${outside} duplicated outside the window\n${evidence()}`);
  });

  it('keeps every chat in order', () => {
    if (run.report.orderViolations > 0)
      throw new Error(`${run.report.orderViolations} order violations\n${evidence()}`);
  });

  it('answers again after every fault', () => {
    if (run.report.unrecoveredFaults > 0)
      throw new Error(`${run.report.unrecoveredFaults} faults without recovery\n${evidence()}`);
  });
});
