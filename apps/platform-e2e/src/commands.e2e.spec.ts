import { startPlatform, type PlatformFixture } from './support/fixture';
import { openProvisioning, type ProvisioningProbe } from './support/provisioning';

let f: PlatformFixture;
let provisioning: ProvisioningProbe;
let owner: string;

beforeAll(async () => {
  f = await startPlatform({
    appEnv: {
      'session-runner': {
        MODEL_NAME: 'fake-default',
        AGENT_ALLOWED_MODELS: 'fake-large',
        MODEL_PRICES: 'fake-default=1/2,fake-large=10/20',
      },
    },
  });
  // /model pins a model only for an owner or admin: the chat cmd-model is the owner's, with a key of
  // the owner's own user id (a user's id is their HTTP identity: no identity row is needed).
  provisioning = await openProvisioning(f);
  owner = await provisioning.repo.createUser('default', 'Owner');
  await provisioning.repo.grantRole('default', owner, 'owner');
  provisioning.changed('default', 'user', owner);
});
afterAll(async () => {
  await provisioning?.close();
  await f?.stop();
});
afterEach(() => {
  f.model.reset();
  f.model.setLatency(0);
});

describe('chat commands', () => {
  it('/model switches the model of the session, /status tells it, /help lists the commands', async () => {
    const chat = await f.openChat('cmd-model', { user: owner });
    await chat.send('/status');
    const status = await chat.nextReply(15_000);
    expect(status).toMatchObject({
      kind: 'notice',
      text: `Idle. Turns: 0. Tokens: 0 in, 0 out. Model: fake-default. Agent: default (version 1). Session: ${status.sessionId}.`,
    });
    await chat.send('/model fake-large');
    expect((await chat.nextReply(15_000)).text).toBe('The model is now fake-large.');
    await chat.send('hi');
    expect((await chat.nextReply(15_000)).text).toBe('echo: hi');
    expect(f.model.requests.at(-1)!.model).toBe('fake-large');
    await chat.send('/help');
    expect((await chat.nextReply(15_000)).text).toMatch(/^Commands: \/new/);
    await chat.send('/bogus');
    expect((await chat.nextReply(15_000)).text).toMatch(/^Unknown command \/bogus\./);
    expect(f.model.requests).toHaveLength(1); // commands never reach the model
    await chat.close();
  });

  it('/usage tells the tokens and cost of the session and of the agent today; /status the running turn', async () => {
    const chat = await f.openChat('cmd-model', { user: owner });
    await chat.send('/model default');
    await chat.nextReply(15_000);
    await chat.send('count my tokens');
    await chat.nextReply(15_000);
    const [request] = f.model.requests;
    expect(request!.model).toBe('fake-default');
    // What the fake model reported for that call, as session-runner recorded it.
    const [{ data }] = await provisioning.dataSource.query(
      `SELECT data FROM eventstore.events WHERE type = 'ModelResponded' AND data ->> 'model' = 'fake-default' ORDER BY global_position DESC LIMIT 1`,
    );
    const { inputTokens: i, outputTokens: o } = data.usage;
    await chat.send('/usage');
    const usage = await chat.nextReply(15_000);
    expect(usage.kind).toBe('notice');
    // This chat's session used fake-large earlier and fake-default now; the agent today is every session's.
    expect(usage.text).toMatch(
      /^This session: [\d,]+ tokens in, [\d,]+ out, 2 model call\(s\), \$\d+\.\d{4}\. Agent default today \(UTC\): [\d,]+ tokens in, [\d,]+ out, \d+ model call\(s\), \$\d+\.\d{4}\.$/,
    );
    const [rows] = await provisioning.dataSource.query(
      `SELECT sum(input_tokens)::int AS i, sum(output_tokens)::int AS o FROM runner.usage_daily
       WHERE agent_id = 'default' AND day = (now() AT TIME ZONE 'UTC')::date`,
    );
    expect(usage.text).toContain(
      `Agent default today (UTC): ${rows.i.toLocaleString('en')} tokens in, ${rows.o.toLocaleString('en')} out`,
    );
    expect(i).toBeGreaterThan(0);
    expect(f.model.requests).toHaveLength(1);

    // While a turn runs, /status says so: answered at the turn's next step (here: after its tool call).
    f.model.setLatency(1_500);
    f.model.script({ toolCalls: [{ name: 'get_time', arguments: {} }] }, { text: 'it is late' });
    await chat.send('what time is it?');
    await f.model.waitForRequests(2, undefined, 10_000);
    await chat.send('/status');
    const status = await chat.nextReply(15_000);
    expect(status).toMatchObject({
      kind: 'notice',
      text: expect.stringMatching(
        /^Working on a turn \(1 model call\(s\) and [01] tool call\(s\) done\)\. Turns: \d+\. Tokens: .* Model: fake-default\. Agent: default \(version 1\)\. Session: /,
      ),
    });
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'it is late' });
    expect(o).toBeGreaterThan(0);
    await chat.close();
  });

  it('/usage is refused to a sender who is not an owner or admin', async () => {
    const chat = await f.openChat('cmd-usage-stranger');
    await chat.send('/usage');
    expect(await chat.nextReply(15_000)).toMatchObject({
      kind: 'notice',
      text: 'Only an owner or admin of this agent may see its usage.',
    });
    await chat.close();
  });

  it('/stop ends a running turn at once; the conversation goes on and /continue resumes', async () => {
    const chat = await f.openChat('cmd-stop');
    f.model.setLatency(30_000);
    await chat.send('think for a long time');
    await f.model.waitForRequests(1, undefined, 10_000);
    const stoppedAt = Date.now();
    await chat.send('/stop');
    expect(await chat.nextReply(10_000)).toMatchObject({ kind: 'notice', text: 'Stopped.' });
    expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    f.model.setLatency(0);
    await chat.send('/continue');
    expect(await chat.nextReply(15_000)).toMatchObject({
      kind: 'reply',
      text: 'echo: Please continue where you stopped.',
    });
    await chat.close();
  });

  it('/new starts a new session for the chat', async () => {
    const chat = await f.openChat('cmd-new');
    await chat.send('first');
    const first = await chat.nextReply(15_000);
    await chat.send('/new');
    const fresh = await chat.nextReply(15_000);
    expect(fresh).toMatchObject({ kind: 'notice', text: 'Started a new conversation.', seq: 1 });
    expect(fresh.sessionId).not.toBe(first.sessionId);
    await chat.send('second');
    const reply = await chat.nextReply(15_000);
    expect(reply).toMatchObject({ sessionId: fresh.sessionId, seq: 2, text: 'echo: second' });
    // The new session's model call sees only the new conversation.
    const users = (f.model.requests.at(-1)!.body.messages as Array<{ role: string }>).filter((m) => m.role === 'user');
    expect(users).toHaveLength(1);
    await chat.close();
  });
});
