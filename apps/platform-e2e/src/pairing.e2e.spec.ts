import { makeEnvelope } from '@clawfleet/bus';
import { chatKey, INBOUND_PARTITIONS, InboundReceived, partitionOf } from '@clawfleet/contracts';
import { PairingRepository } from '@clawfleet/provisioning';
import type { ChatClient, Reply } from '@clawfleet/testing';
import { eventually, startPlatform, type PlatformFixture } from './support/fixture';
import { openProvisioning, type ProvisioningProbe } from './support/provisioning';

/*
 * Unknown senders pair with a one-time code, through the HTTP channel: a sender without an identity
 * who addresses a `pair` binding gets a code and nothing else; an owner approves it with /pair (or an
 * admin through the admin API) and the sender is a member from their next message. Codes are single
 * use, expire, are rate-limited per sender, refused when wrong (and past a few wrong ones, /pair
 * rests), and never cross tenants.
 *
 * The sender is the user of the chat's channel key: each sender writes in their own `door` (an HTTP
 * chat is its user's own), and the group `http/door` binds every user's `door`.
 */
const BOOTSTRAP = 'bootstrap-key-for-the-pairing-spec-0123456789';
const CODE = /\b([2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4})\b/;

let f: PlatformFixture;
let p: ProvisioningProbe;
/** Each sender's own `door` chat, opened with a key of that sender. */
const doors = new Map<string, ChatClient>();
async function doorOf(sender: string): Promise<ChatClient> {
  let chat = doors.get(sender);
  if (!chat) doors.set(sender, (chat = await f.openChat('door', { user: sender })));
  return chat;
}
/** The chat id the platform knows a sender's `door` by. */
const doorId = (sender: string) => f.chatRef('door', sender).chatId;

const outcomeOf = async (tenantId: string, chatId: string, messageId: string) =>
  (
    await p.dataSource.query(
      `SELECT outcome, decisions FROM router.inbound_outcomes WHERE tenant_id = $1 AND message_key = $2`,
      [tenantId, `${chatKey({ channel: 'http', chatId })}#${messageId}`],
    )
  )[0];
const settled = (tenantId: string, chatId: string, messageId: string) =>
  eventually(`${messageId} is settled`, async () => (await outcomeOf(tenantId, chatId, messageId)) !== undefined);
const codeIn = (reply: Reply) => CODE.exec(reply.text)?.[1];

/** `sender` writes in the door chat; resolves with the reply (a notice, or the agent's answer). */
async function say(sender: string, text: string, messageId = `${sender}-${Date.now()}-${Math.random()}`) {
  const door = await doorOf(sender);
  await door.send(text, messageId);
  return { messageId, reply: await door.nextReply(15_000) };
}

beforeAll(async () => {
  f = await startPlatform({ appEnv: { 'admin-api': { ADMIN_BOOTSTRAP_KEY: BOOTSTRAP } } });
  p = await openProvisioning(f);
  const { repo } = p;
  await repo.createAgent('default', { id: 'concierge', config: { instructions: 'You let people in.' } });
  const group = await repo.createGroup('default', { channel: 'http', chatId: 'door' });
  await repo.bind('default', group, {
    agentId: 'concierge',
    engageMode: 'always',
    senderScope: 'known',
    unknownSenders: 'pair',
    sessionScope: 'per-user',
  });
  for (const [sender, role] of [
    ['olga', 'owner'],
    ['oscar', 'owner'],
    ['max', 'member'],
  ] as const) {
    const user = await repo.createUser('default', sender);
    await repo.addIdentity('default', user, 'http', sender);
    await repo.grantRole('default', user, role);
  }
  p.changed('default', 'binding');
  await eventually('the door is bound', async () => {
    const { reply } = await say('max', 'are you there?');
    return systemOfLast()?.includes('You let people in.') === true && reply.kind === 'reply';
  });
});
afterAll(async () => {
  for (const door of doors.values()) await door.close();
  await p?.close();
  await f?.stop();
});

const systemOfLast = () =>
  (f.model.requests.at(-1)?.body.messages as Array<{ role: string; content: string }> | undefined)?.find(
    (m) => m.role === 'system',
  )?.content;

describe('an unknown sender', () => {
  it('is offered a code and nothing else; an owner’s /pair lets them in from their next message', async () => {
    const calls = f.model.requests.length;
    const asked = await say('newbie', 'hello, can I come in?');
    expect(asked.reply).toMatchObject({
      kind: 'notice',
      text: expect.stringContaining('ask an owner to approve the code'),
    });
    const code = codeIn(asked.reply)!;
    expect(code).toBeDefined();
    expect(await outcomeOf('default', doorId('newbie'), asked.messageId)).toMatchObject({
      outcome: 'refused',
      decisions: [{ kind: 'refuse', rule: 'pairing-offered' }],
    });
    // The code is stored as its hash only, once its reply is out.
    const [row] = await p.dataSource.query(
      `SELECT code_to_send, encode(code_hash, 'hex') AS hash FROM provisioning.pairings WHERE sender_id = 'newbie'`,
    );
    expect(row.code_to_send).toBeNull();
    expect(row.hash).not.toContain(code);

    // Writing again right away gets nothing: the code cannot be used to make the platform spam.
    const again = `newbie-again-${Date.now()}`;
    await (await doorOf('newbie')).send('hello?? anyone??', again);
    await settled('default', doorId('newbie'), again);
    expect(await outcomeOf('default', doorId('newbie'), again)).toMatchObject({
      outcome: 'ignored',
      decisions: [{ rule: 'pairing-pending' }],
    });

    const wrong = await say('olga', '/pair ZZZZ-ZZZZ');
    expect(wrong.reply).toMatchObject({
      kind: 'notice',
      text: 'That code is not valid: check it, or ask for a new one (codes expire).',
    });
    const approved = await say('olga', `/pair ${code.toLowerCase()}`);
    expect(approved.reply.text).toBe('Approved: newbie (http newbie) is now a member.');
    expect(await outcomeOf('default', doorId('olga'), approved.messageId)).toMatchObject({
      outcome: 'engaged',
      decisions: [{ kind: 'engage', rule: 'pairing-approved' }],
    });
    expect(f.model.requests.length).toBe(calls); // nothing reached the model so far

    const served = await say('newbie', 'thank you!');
    expect(served.reply).toMatchObject({ kind: 'reply', text: 'echo: thank you!' });
    const [member] = await p.dataSource.query(
      `SELECT r.role FROM provisioning.channel_identities i JOIN provisioning.roles r USING (tenant_id, user_id)
       WHERE i.tenant_id = 'default' AND i.channel = 'http' AND i.external_id = 'newbie'`,
    );
    expect(member).toEqual({ role: 'member' });

    // The code is spent: approving it again is refused, and the new member cannot approve anything.
    expect((await say('oscar', `/pair ${code}`)).reply.text).toBe('That code was used already.');
    expect((await say('newbie', `/pair ${code}`)).reply.text).toBe(
      'Only an owner of this tenant may approve a pairing.',
    );
    expect((await say('max', '/pair')).reply.text).toBe('Only an owner of this tenant may approve a pairing.');
  });

  it('can be let in through the admin API: the pending pairing is listed and approved by id', async () => {
    const asked = await say('guest', 'knock knock');
    expect(codeIn(asked.reply)).toBeDefined();
    const api = f.platform.url('admin-api');
    const headers = { authorization: `Bearer ${BOOTSTRAP}` };
    const list = (await (await fetch(`${api}/v1/tenants/default/pairings?status=pending`, { headers })).json()) as {
      items: Array<{ id: string; senderId: string }>;
    };
    const pending = list.items.find((i) => i.senderId === 'guest')!;
    expect(pending).toMatchObject({ channel: 'http', chatId: doorId('guest'), expired: false });
    const approved = await fetch(`${api}/v1/tenants/default/pairings/${pending.id}/approve`, {
      method: 'POST',
      headers,
    });
    expect(approved.status).toBe(200);
    // admin-api tells the routers; the guest's next message is served.
    await eventually('the guest is served', async () => {
      const messageId = `guest-${Date.now()}`;
      await (await doorOf('guest')).send('may I?', messageId);
      await settled('default', doorId('guest'), messageId);
      return (await outcomeOf('default', doorId('guest'), messageId)).outcome === 'engaged';
    });
    expect(await (await doorOf('guest')).nextReply(15_000)).toMatchObject({ kind: 'reply', text: 'echo: may I?' });
  });
});

describe('pairing abuse', () => {
  it('guessing: after a few wrong codes /pair rests, even for a right one', async () => {
    const asked = await say('hopeful', 'hi');
    const code = codeIn(asked.reply)!;
    for (let i = 0; i < 5; i++) await say('oscar', `/pair ${i + 2}${i + 2}${i + 2}${i + 2}-AAAA`);
    expect((await say('oscar', `/pair ${code}`)).reply.text).toBe('Too many wrong codes: try again later.');
    expect(
      (await new PairingRepository(p.dataSource).pendingOf('default', 'http', 'hopeful', new Date())).offer,
    ).toBeDefined();
    // Another owner is not held back by oscar's guesses.
    expect((await say('olga', `/pair ${code}`)).reply.text).toMatch(/^Approved: /);
  });

  it("another tenant's owner cannot approve this tenant's code", async () => {
    const asked = await say('visitor', 'hi there');
    const code = codeIn(asked.reply)!;
    // globex: the same chat id, its own agent, binding and owner — its messages come over the bus.
    await p.repo.ensureTenant('globex');
    await p.repo.createAgent('globex', { id: 'concierge', config: { instructions: 'Globex.' } });
    const group = await p.repo.createGroup('globex', { channel: 'http', chatId: 'door' });
    await p.repo.bind('globex', group, { agentId: 'concierge', engageMode: 'always' });
    const boss = await p.repo.createUser('globex', 'boss');
    await p.repo.addIdentity('globex', boss, 'http', 'olga'); // even the same sender id
    await p.repo.grantRole('globex', boss, 'owner');
    p.changed('globex', 'binding');
    const chat = { channel: 'http' as const, chatId: 'door' };
    const publish = async (messageId: string) => {
      const event = makeEnvelope(InboundReceived, {
        tenantId: 'globex',
        data: { chat, messageId, sender: { id: 'olga' }, text: `/pair ${code}`, receivedAt: new Date().toISOString() },
      });
      await f.bus.publishRaw(
        f.bus.topology.subjects.inboundReceived('http', partitionOf(chatKey(chat), INBOUND_PARTITIONS)),
        JSON.stringify(event),
        event.id,
      );
    };
    await eventually('globex’s /pair is judged', async () => {
      const messageId = `globex-${Date.now()}`;
      await publish(messageId);
      await settled('globex', 'door', messageId);
      return (await outcomeOf('globex', 'door', messageId)).decisions[0]?.rule === 'pairing-unknown';
    });
    // This tenant's pairing is untouched, and the visitor is still nobody here.
    const pairing = await new PairingRepository(p.dataSource).pendingOf('default', 'http', 'visitor', new Date());
    expect(pairing.offer).toBeDefined();
    const identities = await p.dataSource.query(
      `SELECT tenant_id FROM provisioning.channel_identities WHERE external_id = 'visitor'`,
    );
    expect(identities).toEqual([]);
  });
});
