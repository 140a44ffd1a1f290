import { startPlatform, type PlatformFixture } from './support/fixture';
import { openProvisioning, type ProvisioningProbe } from './support/provisioning';

let f: PlatformFixture;
let provisioning: ProvisioningProbe;
let owner: string;

beforeAll(async () => {
  f = await startPlatform({ appEnv: { 'session-runner': { MODEL_NAME: 'fake-default', AGENT_ALLOWED_MODELS: 'fake-large' } } });
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
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'notice', text: expect.stringMatching(/^Idle\. Turns: 0\..*Model: fake-default\.$/) });
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
    expect(await chat.nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: Please continue where you stopped.' });
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
