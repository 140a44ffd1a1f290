import { chatNameOf } from '@clawfleet/auth';
import type { ChatCommand, ChatRef, Sender } from '@clawfleet/contracts';
import {
  compilePattern,
  groupKey,
  identityKey,
  type Binding,
  type CompiledPattern,
  type RoutingData,
} from '@clawfleet/provisioning';
import { parseAddressedCommand } from './chat-commands';
import { modelChangeRefusal, roleFor } from './permissions';
import { sessionKeyOf, turnIdOf } from './session-keys';

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

/** What routing knows of sessions: until when a mention-sticky agent keeps answering in a session. */
export interface SessionIndex {
  stickyUntil(agentId: string, sessionKey: string): number | undefined;
}

export interface RouteOptions {
  /** How long a mention keeps a mention-sticky agent engaged without another mention. */
  readonly stickyMs: number;
}

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
      readonly notice?: { readonly sessionKey: string; readonly turnId: string; readonly agentVersion?: number };
    };

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
    const group =
      data.groups.get(groupKey(chat.channel, chatId, chat.threadId)) ??
      (chat.threadId ? data.groups.get(groupKey(chat.channel, chatId)) : undefined);
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
  const bindings = group?.bindings ?? [fallbackBinding(data.defaultAgentId!)];
  const userId = data.identities.get(identityKey(chat.channel, sender.id));
  const addressed = parseAddressedCommand(inbound.text);
  const now = Date.parse(inbound.receivedAt);
  const decisions = bindings.map((binding) => decideBinding(binding));
  const outcome: Outcome = decisions.some((d) => d.kind === 'engage')
    ? 'engaged'
    : decisions.some((d) => d.kind === 'refuse')
      ? 'refused'
      : 'ignored';
  return { outcome, decisions };

  function decideBinding(binding: Binding): Decision {
    const { agentId } = binding;
    const fallback = binding.id === FALLBACK_ID;
    const agent = data!.agents.get(agentId);
    if (!agent) return { kind: 'refuse', agentId, rule: 'agent', reason: `agent ${agentId} does not exist` };
    if (binding.senderScope === 'known' && !userId) return { kind: 'ignore', agentId, rule: 'sender-scope' };
    const sessionKey = sessionKeyOf(binding.sessionScope, chat, { userId, senderId: sender.id });
    const turnId = turnIdOf(inbound.tenantId, chat, inbound.messageId, agentId, fallback);
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
    if (!engages) {
      const rule = addressed ? 'command-target' : `engage-mode:${binding.engageMode}`;
      return binding.ignoredPolicy === 'accumulate' && !addressed
        ? { kind: 'ignore', agentId, rule, accumulate: { sessionKey } }
        : { kind: 'ignore', agentId, rule };
    }
    const notice = { sessionKey, turnId, ...(agentVersion !== undefined && { agentVersion }) };
    if (!agent.enabled)
      return { kind: 'refuse', agentId, rule: 'agent-disabled', reason: `The agent ${agentId} is disabled.`, notice };
    const command = addressed?.command;
    if (command?.name === 'model' && command.args) {
      const refusal = modelChangeRefusal(
        roleFor(userId ? data!.roles.get(userId) : undefined, agentId),
        agent,
        command.args,
      );
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
