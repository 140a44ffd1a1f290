import type { SessionEvent } from '@clawfleet/contracts';
import { TransientError, ValidationError } from '@clawfleet/platform';
import {
  decide,
  MESSAGE_UNSTORABLE,
  MessageGap,
  nextStep,
  REFUSED_TEXT,
  skippedText,
  type RecordUserMessage,
  type SessionCommand,
} from './session.decider';
import { evolve, initialState, type SessionState } from './session.state';

const sessionId = '01936b2e-0000-7000-8000-000000000001';
const chat = { channel: 'http' as const, chatId: 'alice' };
const started: SessionEvent = { type: 'SessionStarted', data: { sessionId, agentId: 'default', chat } };
const message = (seq: number, turnId = `turn-${seq}`): SessionEvent => ({
  type: 'UserMessageAdded',
  data: {
    turnId,
    seq,
    messageId: `m${seq}`,
    text: `hello ${seq}`,
    sender: { id: 'alice' },
    source: 'user',
    correlationId: `c${seq}`,
  },
});
const record = (seq: number, turnId = `turn-${seq}`): RecordUserMessage => ({
  type: 'RecordUserMessage',
  sessionId,
  agentId: 'default',
  chat,
  turnId,
  seq,
  messageId: `m${seq}`,
  text: `hello ${seq}`,
  sender: { id: 'alice' },
  source: 'user',
  correlationId: `c${seq}`,
});
const call = { id: 'call-1', name: 'get_time', arguments: '{}' };
const responded = (toolCalls: Array<typeof call> = [], text = 'done'): SessionEvent => ({
  type: 'ModelResponded',
  data: {
    turnId: 'turn-1',
    round: 1,
    model: 'm',
    text,
    toolCalls,
    usage: { inputTokens: 3, outputTokens: 2 },
    finishReason: 'stop',
    latencyMs: 1,
  },
});
const limits = { maxRounds: 3 };

/** given(events).when(command).then(events | error) */
function given(...events: SessionEvent[]) {
  const state = events.reduce<SessionState>(evolve, initialState);
  return {
    state,
    when: (command: SessionCommand) => ({
      then: (expected: SessionEvent[]) => expect(decide(command, state)).toEqual(expected),
      thenThrows: (error: new (...args: never[]) => Error) => expect(() => decide(command, state)).toThrow(error),
    }),
  };
}

describe('session decider', () => {
  describe('when the session is new', () => {
    it('starts the session and records the first message', () => {
      given()
        .when(record(1))
        .then([started, message(1)]);
    });
    it('refuses a message that skips ahead, to be retried once its predecessor is recorded', () => {
      given().when(record(2)).thenThrows(TransientError);
    });
  });

  describe('when messages were recorded', () => {
    it('records the next message', () => {
      given(started, message(1))
        .when(record(2))
        .then([message(2)]);
    });
    it('decides nothing for a repeated message (idempotency)', () => {
      given(started, message(1), message(2)).when(record(1)).then([]);
      given(started, message(1), message(2)).when(record(2)).then([]);
    });
  });

  describe('when a message waited past the gap timeout for earlier ones that never came', () => {
    const skipped = (fromSeq: number, toSeq: number, seq: number): SessionEvent => ({
      type: 'MessagesSkipped',
      data: {
        fromSeq,
        toSeq,
        turnId: `turn-${seq}`,
        messageId: `m${seq}`,
        correlationId: `c${seq}`,
        text: skippedText(toSeq - fromSeq + 1),
      },
    });
    it('names the gap while it is still waited for', () => {
      expect(() => decide(record(4), given(started, message(1)).state)).toThrow(
        new MessageGap(sessionId, 4, 2),
      );
    });
    it('records the missing ones as skipped, then the message', () => {
      given(started, message(1))
        .when({ ...record(4), skipMissing: true })
        .then([skipped(2, 3, 4), message(4)]);
    });
    it('starts a session whose first message is missing', () => {
      given()
        .when({ ...record(2), skipMissing: true })
        .then([started, skipped(1, 1, 2), message(2)]);
    });
    it('moves the session on past the gap and tells the user first', () => {
      const state = given(started, message(1), skipped(2, 3, 4), message(4)).state;
      expect(state.status !== 'empty' && state.lastSeq).toBe(4);
      expect(nextStep(state, limits)).toEqual({
        kind: 'notify',
        notice: { turnId: 'turn-4', messageId: 'm4', correlationId: 'c4', kind: 'text', text: skippedText(2) },
      });
    });
    it('decides nothing for a skipped message that turns up later, nor for skipping again', () => {
      given(started, message(1), skipped(2, 3, 4), message(4)).when(record(3)).then([]);
      given(started, message(1), skipped(2, 3, 4), message(4)).when({ ...record(4), skipMissing: true }).then([]);
    });
  });

  describe('when the store refused to record a message', () => {
    const refusedEvent = (seq: number): SessionEvent => ({
      type: 'MessageRefused',
      data: {
        turnId: `turn-${seq}`,
        seq,
        messageId: `m${seq}`,
        correlationId: `c${seq}`,
        code: MESSAGE_UNSTORABLE,
        reason: 'no equivalent in LATIN1',
        text: REFUSED_TEXT,
      },
    });
    const refused = (seq: number): RecordUserMessage => ({ ...record(seq), refused: { reason: 'no equivalent in LATIN1' } });
    it('records the refusal in its place, without the content', () => {
      given(started, message(1)).when(refused(2)).then([refusedEvent(2)]);
      given().when(refused(1)).then([started, refusedEvent(1)]);
      given(started).when({ ...refused(1), command: { name: 'model', args: 'x' } }).then([refusedEvent(1)]);
    });
    it('moves the session on, tells the user, and counts the turn as ended', () => {
      const state = given(started, message(1), refusedEvent(2)).state;
      expect(state.status !== 'empty' && [state.lastSeq, state.turns, state.queue.length]).toEqual([2, 1, 1]);
      expect(nextStep(state, limits)).toEqual({
        kind: 'notify',
        notice: { turnId: 'turn-2', messageId: 'm2', correlationId: 'c2', kind: 'text', text: REFUSED_TEXT },
      });
    });
    it('decides nothing when the refused message comes again (idempotency)', () => {
      given(started, refusedEvent(1)).when(record(1)).then([]);
      given(started, refusedEvent(1)).when(refused(1)).then([]);
      given(started, refusedEvent(1)).when(record(2)).then([message(2)]);
    });
  });

  describe('when a turn is suspended on a tool call', () => {
    const suspended = [
      started,
      message(1),
      { type: 'TurnStarted', data: { turnId: 'turn-1' } },
      responded([call]),
      { type: 'ToolCallStarted', data: { turnId: 'turn-1', toolCallId: 'call-1', name: 'get_time' } },
      { type: 'TurnSuspended', data: { turnId: 'turn-1', toolCallId: 'call-1', reason: 'waits for the user' } },
    ] as SessionEvent[];
    const outcome: SessionCommand = {
      type: 'RecordToolOutcome',
      turnId: 'turn-1',
      toolCallId: 'call-1',
      outcome: { status: 'ok', content: 'yes' },
    };
    const completed: SessionEvent = {
      type: 'ToolCallCompleted',
      data: { turnId: 'turn-1', toolCallId: 'call-1', outcome: { status: 'ok', content: 'yes' } },
    };

    it('records the outcome and resumes the turn', () => {
      given(...suspended)
        .when(outcome)
        .then([completed]);
      expect(given(...suspended, completed).state.status).toBe('running');
    });
    it('decides nothing when the outcome arrives twice', () => {
      given(...suspended, completed)
        .when(outcome)
        .then([]);
    });
    it('rejects an outcome for a call nobody waits for', () => {
      given(...suspended)
        .when({ ...outcome, toolCallId: 'other' })
        .thenThrows(ValidationError);
    });
  });
});

describe('chat commands', () => {
  type Name = 'stop' | 'model' | 'status' | 'continue' | 'usage' | 'help' | 'new';
  const command = (seq: number, name: Name, args = ''): SessionCommand => ({
    ...record(seq),
    command: { name, args },
  });
  /** A CommandReceived as recorded before it carried its outcome (upcast when folded). */
  const legacy = (seq: number, name: Name, args = ''): SessionEvent => ({
    type: 'CommandReceived',
    data: { turnId: `turn-${seq}`, seq, messageId: `m${seq}`, command: { name, args }, correlationId: `c${seq}` },
  });
  /** The CommandReceived the decider records on `state` (with its outcome). */
  const received = (state: SessionState, seq: number, name: Name, args = ''): SessionEvent =>
    decide(command(seq, name, args), state).find((e) => e.type === 'CommandReceived')!;
  const fold = (events: SessionEvent[]) => events.reduce<SessionState>(evolve, initialState);
  const turnStarted: SessionEvent = { type: 'TurnStarted', data: { turnId: 'turn-1' } };

  it('records a command in the message order with what it does, and /model as a ModelChanged too', () => {
    given(started, message(1))
      .when(command(2, 'model', 'gpt-4.1'))
      .then([
        { ...legacy(2, 'model', 'gpt-4.1'), data: { ...legacy(2, 'model', 'gpt-4.1').data, outcome: { answer: { kind: 'text', text: 'The model is now gpt-4.1.' } } } } as SessionEvent,
        { type: 'ModelChanged', data: { model: 'gpt-4.1' } },
      ]);
    given(started, message(1))
      .when(command(2, 'model', 'default'))
      .then([
        { ...legacy(2, 'model', 'default'), data: { ...legacy(2, 'model', 'default').data, outcome: { answer: { kind: 'text', text: "The model is now the agent's default." } } } } as SessionEvent,
        { type: 'ModelChanged', data: { model: null } },
      ]);
    given(started, message(1), legacy(2, 'stop')).when(command(2, 'stop')).then([]);
  });

  it.each([
    ['/stop, idle with nothing waiting', 'stop', [started], { dropQueue: true, answer: { kind: 'text', text: 'There is nothing to stop.' } }],
    ['/stop, idle with messages waiting', 'stop', [started, message(1)], { dropQueue: true, answer: { kind: 'text', text: 'Stopped.' } }],
    ['/stop during a turn', 'stop', [started, message(1), turnStarted], { dropQueue: true, cancelTurn: true }],
    ['/stop as a session’s first message', 'stop', [], { dropQueue: true, answer: { kind: 'text', text: 'There is nothing to stop.' } }],
    ['/continue', 'continue', [started], { queue: 'Please continue where you stopped.' }],
    ['/status', 'status', [started], { answer: { kind: 'status' } }],
    ['/usage', 'usage', [started], { answer: { kind: 'usage' } }],
    ['/model without a name', 'model', [started], { answer: { kind: 'status' } }],
    ['/new', 'new', [started], { answer: { kind: 'text', text: 'Started a new conversation.' } }],
  ] as Array<[string, Name, SessionEvent[], unknown]>)('decides %s', (_, name, before, outcome) => {
    const state = fold(before);
    const seq = (state.status === 'empty' ? 0 : state.lastSeq) + 1;
    expect(received(state, seq, name)).toMatchObject({ data: { outcome } });
  });

  it('/help lists /usage; folding applies the recorded text, whatever the texts of today', () => {
    const help = received(fold([started]), 1, 'help');
    expect(help).toMatchObject({ data: { outcome: { answer: { text: expect.stringContaining('/usage') } } } });
    const recorded = { ...help, data: { ...help.data, outcome: { answer: { kind: 'text', text: 'as decided then' } } } } as SessionEvent;
    expect(fold([started, recorded])).toMatchObject({ notices: [{ kind: 'text', text: 'as decided then' }] });
  });

  it("/stop during a turn cancels it at the next step, answering the model's open tool calls", () => {
    const before = [started, message(1), turnStarted, responded([call]), message(2)];
    const state = fold([...before, received(fold(before), 3, 'stop')]);
    expect(state).toMatchObject({ cancelRequested: true, queue: [] });
    expect(nextStep(state, limits)).toEqual({ kind: 'cancel' });
    const cancelled = evolve(state, {
      type: 'TurnCancelled',
      data: { turnId: 'turn-1', outboundId: 'o1', outboundSeq: 1 },
    });
    expect(cancelled).toMatchObject({ status: 'idle', cancelRequested: false, turns: 1 });
    expect(cancelled.status === 'idle' && cancelled.history.at(-1)).toEqual({
      role: 'tool',
      toolCallId: 'call-1',
      name: 'get_time',
      content: 'Cancelled by the user.',
    });
  });

  it('answers /stop when idle, and /status, before anything else', () => {
    const one = fold([started, message(1)]);
    const two = fold([started, message(1), received(one, 2, 'stop')]);
    const state = fold([started, message(1), received(one, 2, 'stop'), received(two, 3, 'status')]);
    expect(nextStep(state, limits)).toMatchObject({ kind: 'notify', notice: { kind: 'text', text: 'Stopped.' } });
    expect(state).toMatchObject({ queue: [] });
    const sent = evolve(state, {
      type: 'NoticeSent',
      data: { turnId: 'turn-2', outboundId: 'o1', outboundSeq: 1, text: 'x' },
    });
    expect(nextStep(sent, limits)).toMatchObject({ kind: 'notify', notice: { kind: 'status', turnId: 'turn-3' } });
  });

  it('/continue queues a turn that goes on', () => {
    const state = fold([started, received(fold([started]), 1, 'continue')]);
    expect(nextStep(state, limits)).toEqual({ kind: 'start-turn', turnId: 'turn-1' });
  });

  describe('streams recorded before commands carried their outcome still fold as they did', () => {
    it('/stop idle and during a turn, /continue, /status, /model, /help', () => {
      expect(fold([started, message(1), legacy(2, 'stop'), legacy(3, 'status')])).toMatchObject({
        queue: [],
        notices: [
          { kind: 'text', text: 'Stopped.', turnId: 'turn-2' },
          { kind: 'status', turnId: 'turn-3' },
        ],
      });
      expect(fold([started, message(1), turnStarted, message(2), legacy(3, 'stop')])).toMatchObject({
        cancelRequested: true,
        queue: [],
        notices: [],
      });
      expect(fold([started, legacy(1, 'continue')])).toMatchObject({
        queue: [{ turnId: 'turn-1', text: 'Please continue where you stopped.' }],
      });
      expect(fold([started, legacy(1, 'model', 'gpt-4.1'), legacy(2, 'model')])).toMatchObject({
        notices: [{ kind: 'text', text: 'The model is now gpt-4.1.' }, { kind: 'status' }],
      });
      // The /help text of that time, not today's.
      const help = fold([started, legacy(1, 'help')]);
      expect(help).toMatchObject({ notices: [{ kind: 'text', text: expect.stringMatching(/^Commands: \/new/) }] });
      expect(help.status !== 'empty' && help.notices[0]!.kind === 'text' && help.notices[0]!.text).not.toContain('/usage');
    });
  });
});

describe('queue modes', () => {
  const turnStarted: SessionEvent = { type: 'TurnStarted', data: { turnId: 'turn-1' } };
  const running = [started, message(1), turnStarted, message(2), message(3)];
  const plan = (events: SessionEvent[], queueMode: 'followup' | 'collect' | 'steer' | 'interrupt') =>
    nextStep(events.reduce<SessionState>(evolve, initialState), { ...limits, queueMode });

  it('followup: messages that arrive during a turn wait for their own turns', () => {
    expect(plan(running, 'followup')).toEqual({ kind: 'call-model', round: 1 });
  });
  it('steer: they join the running turn before the next model call', () => {
    expect(plan(running, 'steer')).toEqual({ kind: 'steer', turnIds: ['turn-2', 'turn-3'] });
    const steered: SessionEvent = {
      type: 'MessagesSteered',
      data: { turnId: 'turn-1', turnIds: ['turn-2', 'turn-3'] },
    };
    const state = [...running, steered].reduce<SessionState>(evolve, initialState);
    expect(state).toMatchObject({
      queue: [],
      history: [{ text: 'hello 1' }, { text: 'hello 2' }, { text: 'hello 3' }],
    });
    expect(nextStep(state, { ...limits, queueMode: 'steer' })).toEqual({ kind: 'call-model', round: 1 });
  });
  it('collect: the next turn answers everything that waited', () => {
    expect(plan([started, message(1), message(2), message(3)], 'collect')).toEqual({
      kind: 'start-turn',
      turnId: 'turn-1',
      collected: ['turn-2', 'turn-3'],
    });
    const collected: SessionEvent = {
      type: 'TurnStarted',
      data: { turnId: 'turn-1', collected: ['turn-2', 'turn-3'] },
    };
    expect(
      [started, message(1), message(2), message(3), collected].reduce<SessionState>(evolve, initialState),
    ).toMatchObject({ status: 'running', queue: [] });
  });
  it('interrupt: a new message cancels the running turn, and the next one answers all of it', () => {
    expect(plan(running, 'interrupt')).toEqual({ kind: 'interrupt' });
    const cancelled: SessionEvent = { type: 'TurnCancelled', data: { turnId: 'turn-1', reason: 'interrupted' } };
    expect(plan([...running, cancelled], 'interrupt')).toEqual({
      kind: 'start-turn',
      turnId: 'turn-2',
      collected: ['turn-3'],
    });
  });
});

describe('context compaction', () => {
  const turn = (n: number): SessionEvent[] => [
    message(n),
    { type: 'TurnStarted', data: { turnId: `turn-${n}` } },
    {
      ...responded([], `answer ${n} ${'x'.repeat(400)}`),
      data: { ...(responded([], 'x').data as object), turnId: `turn-${n}`, text: `answer ${n} ${'x'.repeat(400)}` },
    } as SessionEvent,
    {
      type: 'TurnCompleted',
      data: {
        turnId: `turn-${n}`,
        outboundId: `o${n}`,
        outboundSeq: n,
        text: 'a',
        usage: { inputTokens: 0, outputTokens: 0 },
      },
    },
  ];
  const long = [
    started,
    ...turn(1),
    ...turn(2),
    ...turn(3),
    message(4),
    { type: 'TurnStarted', data: { turnId: 'turn-4' } } as SessionEvent,
  ];

  it('summarizes all but the last exchange when the history passes the threshold', () => {
    const state = long.reduce<SessionState>(evolve, initialState);
    // history: u1 a1 u2 a2 u3 a3 u4 → cut before u3 (index 4): the last whole exchange and this turn stay.
    expect(nextStep(state, { ...limits, compactAtTokens: 200 })).toEqual({ kind: 'compact', replacedItems: 4 });
    expect(nextStep(state, { ...limits, compactAtTokens: 100_000 })).toEqual({ kind: 'call-model', round: 1 });
  });

  it('replaces the summarized items with the summary, and the events stay as they were', () => {
    const compacted: SessionEvent = {
      type: 'ContextCompacted',
      data: {
        turnId: 'turn-4',
        replacedItems: 4,
        summary: 'they talked',
        model: 'm',
        usage: { inputTokens: 10, outputTokens: 5 },
      },
    };
    const state = [...long, compacted].reduce<SessionState>(evolve, initialState);
    expect(state.status === 'running' && state.history.map((h) => (h.role === 'user' ? h.text : h.role))).toEqual([
      'Summary of the earlier conversation:\nthey talked',
      'hello 3',
      'assistant',
      'hello 4',
    ]);
    // Nothing more to cut: the summary and the last exchange are all that is left before this turn.
    expect(nextStep(state, { ...limits, compactAtTokens: 10 })).toEqual({ kind: 'call-model', round: 1 });
  });
});

describe('next step', () => {
  const turnStarted: SessionEvent = { type: 'TurnStarted', data: { turnId: 'turn-1' } };
  const step = (...events: SessionEvent[]) => nextStep(events.reduce<SessionState>(evolve, initialState), limits);

  it('waits when there is nothing to do', () => {
    expect(step()).toEqual({ kind: 'wait' });
    expect(step(started)).toEqual({ kind: 'wait' });
  });
  it('starts a turn for the oldest queued message', () => {
    expect(step(started, message(1), message(2))).toEqual({ kind: 'start-turn', turnId: 'turn-1' });
  });
  it('calls the model once a turn started', () => {
    expect(step(started, message(1), turnStarted)).toEqual({ kind: 'call-model', round: 1 });
  });
  it('completes with the answer of a response without tool calls', () => {
    expect(step(started, message(1), turnStarted, responded([], 'hi'))).toEqual({ kind: 'complete', text: 'hi' });
  });
  it('runs a requested tool, and never again once it completed', () => {
    expect(step(started, message(1), turnStarted, responded([call]))).toEqual({ kind: 'run-tool', call });
    const done: SessionEvent = {
      type: 'ToolCallCompleted',
      data: { turnId: 'turn-1', toolCallId: 'call-1', outcome: { status: 'ok', content: 'now' } },
    };
    const toolStarted: SessionEvent = {
      type: 'ToolCallStarted',
      data: { turnId: 'turn-1', toolCallId: 'call-1', name: 'get_time' },
    };
    expect(step(started, message(1), turnStarted, responded([call]), toolStarted, done)).toEqual({
      kind: 'call-model',
      round: 2,
    });
  });
  it('recovers a tool call that started and never completed (a crash during the call)', () => {
    const toolStarted: SessionEvent = {
      type: 'ToolCallStarted',
      data: { turnId: 'turn-1', toolCallId: 'call-1', name: 'get_time' },
    };
    expect(step(started, message(1), turnStarted, responded([call]), toolStarted)).toEqual({
      kind: 'recover-tool',
      call,
    });
  });
  it('fails the turn at the round limit', () => {
    const events: SessionEvent[] = [started, message(1), turnStarted];
    for (let round = 1; round <= limits.maxRounds; round++) {
      const id = `call-${round}`;
      events.push(
        {
          ...responded([{ ...call, id }]),
          data: { ...(responded([{ ...call, id }]).data as object), round },
        } as SessionEvent,
        { type: 'ToolCallStarted', data: { turnId: 'turn-1', toolCallId: id, name: 'get_time' } },
        {
          type: 'ToolCallCompleted',
          data: { turnId: 'turn-1', toolCallId: id, outcome: { status: 'ok', content: 'x' } },
        },
      );
    }
    expect(step(...events)).toMatchObject({ kind: 'fail', code: 'round-limit', retryable: false });
  });
  it('goes on with the next queued message after a turn completed', () => {
    const completed: SessionEvent = {
      type: 'TurnCompleted',
      data: {
        turnId: 'turn-1',
        outboundId: 'o1',
        outboundSeq: 1,
        text: 'hi',
        usage: { inputTokens: 3, outputTokens: 2 },
      },
    };
    const state = [started, message(1), message(2), turnStarted, responded([], 'hi'), completed].reduce<SessionState>(
      evolve,
      initialState,
    );
    expect(nextStep(state, limits)).toEqual({ kind: 'start-turn', turnId: 'turn-2' });
    expect(state).toMatchObject({ status: 'idle', outboundSeq: 1, usage: { inputTokens: 3, outputTokens: 2 } });
  });
  it('answers a question the turn waits on with the next user message, which starts no turn of its own', () => {
    const ask = { id: 'call-q', name: 'ask_user', arguments: '{"question":"name?"}' };
    const waiting: SessionEvent[] = [
      started,
      message(1),
      turnStarted,
      responded([ask]),
      { type: 'ToolCallStarted', data: { turnId: 'turn-1', toolCallId: 'call-q', name: 'ask_user' } },
      {
        type: 'TurnSuspended',
        data: {
          turnId: 'turn-1',
          toolCallId: 'call-q',
          reason: 'asks',
          question: { outboundId: 'o1', outboundSeq: 1, text: 'name?' },
        },
      },
    ];
    expect(step(...waiting)).toEqual({ kind: 'wait' });
    expect(step(...waiting, message(2))).toEqual({
      kind: 'answer',
      toolCallId: 'call-q',
      answeredBy: 'turn-2',
      text: 'hello 2',
    });
    const answered: SessionEvent = {
      type: 'ToolCallCompleted',
      data: {
        turnId: 'turn-1',
        toolCallId: 'call-q',
        outcome: { status: 'ok', content: 'hello 2' },
        answeredBy: 'turn-2',
      },
    };
    const state = [...waiting, message(2), answered].reduce<SessionState>(evolve, initialState);
    expect(state).toMatchObject({ status: 'running', queue: [], outboundSeq: 1 });
    expect(nextStep(state, limits)).toEqual({ kind: 'call-model', round: 2 });
  });
  it('waits on a suspended tool other than a question, whatever arrives', () => {
    const job = { id: 'call-j', name: 'long_job', arguments: '{}' };
    const waiting: SessionEvent[] = [
      started,
      message(1),
      turnStarted,
      responded([job]),
      { type: 'ToolCallStarted', data: { turnId: 'turn-1', toolCallId: 'call-j', name: 'long_job' } },
      { type: 'TurnSuspended', data: { turnId: 'turn-1', toolCallId: 'call-j', reason: 'job' } },
    ];
    expect(step(...waiting, message(2))).toEqual({ kind: 'wait' });
  });
  it('refuses an event that cannot follow the state (a corrupt stream is never folded silently)', () => {
    expect(() => step(started, turnStarted)).toThrow(/TurnStarted cannot follow/);
  });
});

describe('agent configuration versions', () => {
  const configured = (version: number): SessionEvent => ({ type: 'AgentConfigured', data: { agentId: 'default', version } });

  it('a new session records the version its first message was routed with, before the message', () => {
    given()
      .when({ ...record(1), agentVersion: 3 })
      .then([started, configured(3), message(1)]);
  });

  it('a message routed with a new version records it before the message; its turn runs with it', () => {
    const { state } = given(started, configured(3), message(1));
    given(started, configured(3), message(1))
      .when({ ...record(2), agentVersion: 4 })
      .then([configured(4), message(2)]);
    expect([configured(4)].reduce(evolve, state)).toMatchObject({ agentVersion: 4 });
  });

  it('the same version, or none, records nothing more', () => {
    given(started, configured(3), message(1)).when({ ...record(2), agentVersion: 3 }).then([message(2)]);
    given(started, configured(3), message(1)).when(record(2)).then([message(2)]);
  });

  it('a refused command, and a notice the router decided, are told as notices, in the message order', () => {
    const refused = decide({ ...record(1), command: { name: 'refused', args: 'Only an owner may.' } }, initialState);
    const afterRefused = refused.reduce<SessionState>(evolve, initialState);
    const notice = decide({ ...record(2), command: { name: 'notice', args: 'Your code: K7QX-M2PD.' } }, afterRefused);
    expect(notice.reduce<SessionState>(evolve, afterRefused)).toMatchObject({
      notices: [
        { kind: 'text', text: 'Only an owner may.' },
        { kind: 'text', text: 'Your code: K7QX-M2PD.' },
      ],
    });
    // Recorded before outcomes were: the same.
    const old: SessionEvent = {
      type: 'CommandReceived',
      data: { turnId: 't', seq: 1, messageId: 'm1', command: { name: 'refused', args: 'Only an owner may.' }, correlationId: 'c' },
    };
    expect([started, old].reduce<SessionState>(evolve, initialState)).toMatchObject({
      notices: [{ kind: 'text', text: 'Only an owner may.' }],
    });
  });

  it('AgentConfigured carries the version’s MCP servers and skills when it has some', () => {
    const mcp = { name: 'docs', transport: 'streamable-http' as const, url: 'https://mcp.example/docs', toolsAllowed: null };
    const skill = { name: 'triage', description: 'Sort issues', instructions: 'Read the issue, label it.' };
    given(started, configured(3), message(1))
      .when({ ...record(2), agentVersion: 4, agentExtras: { mcpServers: [mcp], skills: [skill] } })
      .then([
        { type: 'AgentConfigured', data: { agentId: 'default', version: 4, mcpServers: [mcp], skills: [skill] } },
        message(2),
      ]);
    given(started, configured(3), message(1))
      .when({ ...record(2), agentVersion: 4, agentExtras: { mcpServers: [], skills: [] } })
      .then([configured(4), message(2)]);
  });
});
