import { chatNameOf } from '@clawfleet/auth';
import type { ChatCommand, ChatRef, Sender } from '@clawfleet/contracts';
import {
  compilePattern,
  groupKey,
  identityKey,
  normalizePairingCode,
  type Binding,
  type CompiledPattern,
  type PendingOffer,
  type RoutingData,
} from '@clawfleet/provisioning';
import { parseAddressedCommand } from './chat-commands';
import { modelChangeRefusal, PAIR_REFUSAL, pairRefusal, roleFor, usageRefusal } from './permissions';
import { messageKeyOf, sessionKeyOf, turnIdOf } from './session-keys';

/** An inbound message as routing sees it. */
export interface Inbound {
  readonly tenantId: string;
  readonly chat: ChatRef;
  readonly messageId: string;
  readonly sender: Sender;
  readonly text: string;
  readonly mentions?: readonly string[];
  /** When the channel accepted it: the routing clock, so a redelivery decides the same. */
  readonly receivedAt: string;
}

/** What routing knows of pairing: the sender's pending offer, and how many codes the tenant has pending. */
export interface PairingView {
  readonly offer?: PendingOffer;
  readonly pendingCount: number;
}

/**
 * What routing knows beyond the tenant's data, read only when a message needs it: until when a
 * mention-sticky agent keeps answering in a session; a sender's pending pairing (undefined: not read).
 */
export interface SessionIndex {
  stickyUntil(agentId: string, sessionKey: string): number | undefined;
  pairing?(channel: string, senderId: string): PairingView | undefined;
}

export interface RouteOptions {
  /** How long a mention keeps a mention-sticky agent engaged without another mention. */
  readonly stickyMs: number;
  /** Unknown senders under a `pair` binding: one offer per sender per `intervalMs`, at most `maxPending` per tenant. */
  readonly pairing?: { readonly intervalMs: number; readonly maxPending: number };
}

const DEFAULT_PAIRING = { intervalMs: 600_000, maxPending: 100 };

export type Decision =
  | {
      readonly kind: 'engage';
      readonly agentId: string;
      readonly agentVersion?: number;
      readonly sessionKey: string;
      readonly turnId: string;
      readonly command?: ChatCommand;
      /** Set for mention-sticky bindings: the agent stays engaged in the session until then (epoch ms). */
      readonly stickyUntil?: number;
      /** The binding keeps ignored messages: they join this turn as context. */
      readonly withContext?: boolean;
    }
  | {
      readonly kind: 'ignore';
      readonly agentId?: string;
      readonly rule: string;
      readonly accumulate?: { readonly sessionKey: string };
    }
  /** `notice`: the refusal is told to the sender, in the agent's session (as turn `turnId`). */
  | {
      readonly kind: 'refuse';
      readonly agentId?: string;
      readonly rule: string;
      readonly reason: string;
      readonly notice?: NoticeTarget;
    }
  /** An unknown sender under a `pair` binding: a one-time code is made and told in the agent's session. */
  | { readonly kind: 'offer-pairing'; readonly agentId: string; readonly notice: NoticeTarget }
  /** An owner's `/pair <code>`: the router approves it and tells the result in the agent's session. */
  | {
      readonly kind: 'approve-pairing';
      readonly agentId: string;
      /** Normalized (see normalizePairingCode). */
      readonly code: string;
      readonly approverId: string;
      readonly notice: NoticeTarget;
    };

/** Where a text the router decided is told: the agent's session, in its order, as turn `turnId`. */
export interface NoticeTarget {
  readonly sessionKey: string;
  readonly turnId: string;
  readonly agentVersion?: number;
}

export type Outcome = 'engaged' | 'ignored' | 'refused';

export interface RouteResult {
  readonly outcome: Outcome;
  readonly decisions: readonly Decision[];
}

/** The route of chats without bindings: the tenant's default agent, as before agents were data. */
const FALLBACK_ID = 'fallback';
const fallbackBinding = (agentId: string): Binding => ({
  id: FALLBACK_ID,
  groupId: FALLBACK_ID,
  agentId,
  engageMode: 'always',
  pattern: null,
  senderScope: 'all',
  ignoredPolicy: 'drop',
  sessionScope: 'per-thread',
  unknownSenders: 'ignore',
});

const patterns = new Map<string, CompiledPattern | null>();
/** Compiled once per pattern text; a stored pattern that does not compile (null) never engages. */
function patternOf(source: string): CompiledPattern | null {
  let compiled = patterns.get(source);
  if (compiled === undefined) {
    try {
      compiled = compilePattern(source);
    } catch {
      compiled = null;
    }
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(source, compiled);
  }
  return compiled;
}

function mentions(inbound: Inbound, agentId: string): boolean {
  const handle = agentId.toLowerCase();
  if (inbound.mentions?.some((m) => m.replace(/^@/, '').toLowerCase() === handle)) return true;
  const text = inbound.text.toLowerCase();
  for (let at = text.indexOf(`@${handle}`); at >= 0; at = text.indexOf(`@${handle}`, at + 1)) {
    const after = text.charAt(at + handle.length + 1);
    if ((at === 0 || !/[a-z0-9_-]/.test(text.charAt(at - 1))) && !/[a-z0-9_-]/.test(after)) return true;
  }
  return false;
}

/**
 * The group a chat belongs to: its thread's, else its own. An HTTP chat is its user's own (decision
 * 15: `<owner tag>:<name>`), and a group provisioned for the name (`http` / `support`) holds for
 * every user's chat of that name, each still a chat, and a session, of its own.
 */
function groupOf(data: RoutingData, chat: ChatRef) {
  const ids = [chat.chatId];
  const name = chat.channel === 'http' ? chatNameOf(chat.chatId) : undefined;
  if (name) ids.push(name);
  for (const chatId of ids) {
    // A thread's group whose bindings were all deleted leaves the thread to the chat's group.
    const threadGroup = chat.threadId ? data.groups.get(groupKey(chat.channel, chatId, chat.threadId)) : undefined;
    const group = threadGroup?.bindings.length ? threadGroup : data.groups.get(groupKey(chat.channel, chatId));
    if (group) return group;
  }
  return undefined;
}

/**
 * Routing as a pure workflow: which agents a message engages, in which session, and what is ignored
 * or refused and why. `recorded`: the outcome already recorded for this message — a repeated
 * inbound decides nothing again.
 */
export function route(
  inbound: Inbound,
  data: RoutingData | undefined,
  index: SessionIndex,
  options: RouteOptions,
  recorded?: Outcome,
): RouteResult {
  if (recorded) return { outcome: recorded, decisions: [] };
  if (!data?.exists)
    return {
      outcome: 'refused',
      decisions: [{ kind: 'refuse', rule: 'tenant', reason: `tenant ${inbound.tenantId} is not provisioned` }],
    };
  const { chat, sender } = inbound;
  const group = groupOf(data, chat);
  if (!group && !data.defaultAgentId)
    return {
      outcome: 'refused',
      decisions: [{ kind: 'refuse', rule: 'no-binding', reason: 'no agent is bound to this chat' }],
    };
  if (group && group.bindings.length === 0) {
    // A group whose bindings were deleted is told so (through the default agent's session, as the
    // chat's route before bindings was), never handed to the default agent silently.
    const reason = 'No agent is bound to this chat.';
    const fallback = data.defaultAgentId ? data.agents.get(data.defaultAgentId) : undefined;
    const notice = fallback && {
      sessionKey: sessionKeyOf('per-thread', chat, { senderId: sender.id }),
      turnId: turnIdOf(inbound.tenantId, chat, inbound.messageId, fallback.id, true),
      ...(fallback.currentVersion > 0 && { agentVersion: fallback.currentVersion }),
    };
    return {
      outcome: 'refused',
      decisions: [
        { kind: 'refuse', rule: 'no-binding', reason, ...(fallback && notice && { agentId: fallback.id, notice }) },
      ],
    };
  }
  const bindings = group?.bindings ?? [fallbackBinding(data.defaultAgentId!)];
  const userId = data.identities.get(identityKey(chat.channel, sender.id));
  const addressed = parseAddressedCommand(inbound.text);
  const now = Date.parse(inbound.receivedAt);
  const pairing = { ...DEFAULT_PAIRING, ...options.pairing };
  // Pairing is decided once per message, by the first binding that needs it: one code, one answer.
  let pairingDecided = false;
  const decisions = bindings.map((binding) => decideBinding(binding));
  const outcome: Outcome = decisions.some((d) => d.kind === 'engage' || d.kind === 'approve-pairing')
    ? 'engaged'
    : decisions.some((d) => d.kind === 'refuse' || d.kind === 'offer-pairing')
      ? 'refused'
      : 'ignored';
  return { outcome, decisions };

  /**
   * An unknown sender who addressed a `pair` binding: a code, unless one went out a moment ago (the
   * same sender writing again; a redelivery of the message that asked gets its code again) or the
   * tenant has as many pending as it allows. Never access.
   */
  function offerPairing(agentId: string, notice: NoticeTarget): Decision {
    if (pairingDecided) return { kind: 'ignore', agentId, rule: 'pairing-once' };
    pairingDecided = true;
    const view = index.pairing?.(chat.channel, sender.id) ?? { pendingCount: 0 };
    const offer = view.offer;
    if (offer?.messageKey === messageKeyOf(chat, inbound.messageId)) return { kind: 'offer-pairing', agentId, notice };
    if (offer && offer.expiresAt > now && offer.offeredAt > now - pairing.intervalMs)
      return { kind: 'ignore', agentId, rule: 'pairing-pending' };
    if (!offer && view.pendingCount >= pairing.maxPending) return { kind: 'ignore', agentId, rule: 'pairing-full' };
    return { kind: 'offer-pairing', agentId, notice };
  }

  function decideBinding(binding: Binding): Decision {
    const { agentId } = binding;
    const fallback = binding.id === FALLBACK_ID;
    const agent = data!.agents.get(agentId);
    const unknown = binding.senderScope === 'known' && !userId;
    const sessionKey = sessionKeyOf(binding.sessionScope, chat, { userId, senderId: sender.id });
    const turnId = turnIdOf(inbound.tenantId, chat, inbound.messageId, agentId, fallback);
    if (!agent) {
      // Told in the (never configured) agent's session: a notice needs no configuration. Not to strangers.
      const reason = `The agent ${agentId} does not exist.`;
      return unknown
        ? { kind: 'refuse', agentId, rule: 'agent', reason }
        : { kind: 'refuse', agentId, rule: 'agent', reason, notice: { sessionKey, turnId } };
    }
    if (unknown && binding.unknownSenders !== 'pair') return { kind: 'ignore', agentId, rule: 'sender-scope' };
    // Version 0: the environment's agent, before session-runner first seeded it (the session runs the environment's config).
    const agentVersion = agent.currentVersion > 0 ? agent.currentVersion : undefined;
    const mentioned = mentions(inbound, agentId);
    const sticky = binding.engageMode === 'mention-sticky' && (index.stickyUntil(agentId, sessionKey) ?? 0) > now;
    const engages = addressed
      ? addressed.target === undefined || addressed.target.toLowerCase() === agentId.toLowerCase()
      : binding.engageMode === 'always' ||
        (binding.engageMode === 'pattern' &&
          binding.pattern !== null &&
          (patternOf(binding.pattern)?.test(inbound.text) ?? false)) ||
        ((binding.engageMode === 'mention' || binding.engageMode === 'mention-sticky') && mentioned) ||
        sticky;
    const notice = { sessionKey, turnId, ...(agentVersion !== undefined && { agentVersion }) };
    // An unknown sender is never served: addressing the agent gets them a pairing code, at most.
    if (unknown) return engages ? offerPairing(agentId, notice) : { kind: 'ignore', agentId, rule: 'sender-scope' };
    if (!engages) {
      const rule = addressed ? 'command-target' : `engage-mode:${binding.engageMode}`;
      return binding.ignoredPolicy === 'accumulate' && !addressed
        ? { kind: 'ignore', agentId, rule, accumulate: { sessionKey } }
        : { kind: 'ignore', agentId, rule };
    }
    const grants = userId ? data!.roles.get(userId) : undefined;
    const command = addressed?.command;
    if (command?.name === 'pair') {
      // The tenant's, not an agent's: carried out once, whichever agents the command reaches.
      if (pairingDecided) return { kind: 'ignore', agentId, rule: 'pairing-once' };
      pairingDecided = true;
      const refusal = pairRefusal(grants);
      if (refusal) return { kind: 'refuse', agentId, rule: 'pairing-permission', reason: refusal, notice };
      const code = normalizePairingCode(command.args);
      if (!code) return { kind: 'refuse', agentId, rule: 'pairing-code', reason: PAIR_REFUSAL.usage, notice };
      return { kind: 'approve-pairing', agentId, code, approverId: userId!, notice };
    }
    if (!agent.enabled)
      return { kind: 'refuse', agentId, rule: 'agent-disabled', reason: `The agent ${agentId} is disabled.`, notice };
    if (command?.name === 'usage') {
      const refusal = usageRefusal(roleFor(grants, agentId));
      if (refusal) return { kind: 'refuse', agentId, rule: 'usage-permission', reason: refusal, notice };
    }
    if (command?.name === 'model' && command.args) {
      const refusal = modelChangeRefusal(roleFor(grants, agentId), agent, command.args);
      if (refusal) return { kind: 'refuse', agentId, rule: 'model-permission', reason: refusal, notice };
    }
    return {
      kind: 'engage',
      agentId,
      ...(agentVersion !== undefined && { agentVersion }),
      sessionKey,
      turnId,
      ...(command && { command }),
      ...(binding.engageMode === 'mention-sticky' && { stickyUntil: now + options.stickyMs }),
      ...(binding.ignoredPolicy === 'accumulate' && !command && { withContext: true }),
    };
  }
}
