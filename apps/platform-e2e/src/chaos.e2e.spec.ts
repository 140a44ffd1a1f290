import { explainRun, POISON_KINDS, runChaos, type ChaosRunResult, type FaultKind } from '@clawfleet/testing';

/**
 * The short form of the chaos suite (`npm run chaos` is the long one, see docs/reliability.md):
 * its own nats-server and PostgreSQL on free ports, the six apps with two session-runners, eight
 * chats talking in an open loop (up to three messages of a chat waiting for their replies at once, a
 * quarter of the messages make the model call a tool, 3 % are poison inputs), and ten faults one
 * after another — one of each new kind: a runner paused past its 2 s lease (2.5–3 s), two faults at once, and
 * PostgreSQL and NATS down (for 2.5–3 s here; minutes in the long form). Every accepted message must
 * get exactly one reply with the right text, in order, and every poison input a 400. `[tool]` messages
 * make real sandbox calls (a bash append, a grep); `runner:mid-tool` kills a runner as one reaches the
 * engine, and the workspaces must show no call ran twice.
 */
const PLAN: FaultKind[] = [
  'kill9:router',
  'runner:pause',
  'kill9:session-runner',
  'runner:mid-tool',
  'nats:down',
  'delivery:mid-send',
  'overlap',
  'pg:down',
  'kill9:delivery',
  'pg:restart-immediate',
];

let run: ChaosRunResult;

beforeAll(async () => {
  run = await runChaos({
    plan: PLAN,
    chats: 8,
    gapMs: [300, 800],
    downMs: [500, 1_000],
    pauseMs: [2_500, 3_000],
    outageMs: [2_500, 3_000],
    poisonShare: 0.03,
    recoveryWaitMs: 15_000,
    settleMs: 30_000,
    log: process.env.CHAOS_VERBOSE === '1' ? (m) => process.stderr.write(`[chaos] ${m}\n`) : undefined,
  });
}, 300_000);

afterAll(() => {
  if (run)
    process.stderr.write(
      `[chaos] ${run.report.line} (seed ${run.seed}, ${(run.durationMs / 1000).toFixed(0)} s); sandbox ${JSON.stringify({ ...run.report.sandbox, examples: undefined })}\n`,
    );
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

  it('refuses every poison input at the edge, of every kind, and strands no chat', () => {
    const { poison, stranded, strandedChats } = run.report;
    expect(Object.keys(poison.byKind).sort()).toEqual([...POISON_KINDS].sort());
    if (poison.accepted > 0 || stranded > 0)
      throw new Error(
        `${poison.accepted} poison inputs accepted ${JSON.stringify(poison.byKind)}, ${stranded} stranded chats ` +
          `${JSON.stringify(strandedChats.slice(0, 10))}\n${evidence()}`,
      );
  });

  it('makes real sandbox calls, cuts one off mid-exec, and runs none twice (judged by the workspaces)', () => {
    const { sandbox, traps } = run.report;
    expect(sandbox?.bashCalls).toBeGreaterThan(0);
    expect(traps.find((t) => t.kind === 'runner:mid-tool')).toEqual({ kind: 'runner:mid-tool', injected: 1, struckInWindow: 1 });
    if (sandbox!.ranTwice + sandbox!.okWithoutEffect + sandbox!.effectsWithoutCall > 0)
      throw new Error(`${JSON.stringify(sandbox)}\n${evidence()}`);
  });

  it('finds nothing else wrong: texts, stray or error replies, partitions, the store, app exits', () => {
    if (run.report.failures.length > 0)
      throw new Error(
        `${run.report.failures.join('; ')}\nwrong texts ${JSON.stringify(run.report.wrongTexts.slice(0, 5))}\n` +
          `by partition ${JSON.stringify(run.report.recoveryByPartition)}\n${evidence()}`,
      );
  });
});
