import { Bus, causedBy, makeEnvelope, OnEvent, type MessageContext } from '@clawfleet/bus';
import {
  InboundReceived,
  MAX_MESSAGE_CHARS,
  ProvisioningChanged,
  TurnRequested,
  type ChatCommand,
} from '@clawfleet/contracts';
import { deriveId, DomainError, uuidV7Ids } from '@clawfleet/platform';
import { PairingRepository, type RoutingData } from '@clawfleet/provisioning';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ROUTER_CONFIG, type RouterConfig } from '../config';
import { InboundOutcomes, messageKeyOf, type OutcomeDecision, type TerminalOutcome } from '@clawfleet/records';
import { parseAddressedCommand } from './chat-commands';
import { PendingContext, withContext } from './pending-context';
import { modelChangeRefusal, PAIR_REFUSAL } from './permissions';
import { route, type Decision, type Inbound, type PairingView, type RouteResult } from './route';
import { RoutingCache } from './routing-cache';
import { SessionDirectory } from './session-directory';

/** Wrong codes an owner may try in `FAILURE_WINDOW_MS` before `/pair` refuses without looking. */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;

const offerText = (code: string, ttlMs: number) =>
  `You are not known here yet. To be let in, ask an owner to approve the code ${code} (they send /pair ${code}). It expires in ${Math.max(1, Math.round(ttlMs / 60_000))} min.`;
const approvedText = (who: string) => `Approved: ${who.slice(0, 80)} is now a member.`;

/**
 * Routes each accepted message: loads the tenant's routing data (cached), decides with the pure
 * `route`, carries the decisions out (a turn request per engaged agent, a notice for a refusal, the
 * message kept for an accumulating agent) and records the message's terminal outcome last.
 */
@Injectable()
export class RouterConsumer {
  constructor(
    private readonly bus: Bus,
    private readonly sessions: SessionDirectory,
    private readonly cache: RoutingCache,
    private readonly outcomes: InboundOutcomes,
    private readonly context: PendingContext,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
    dataSource: DataSource,
  ) {
    this.pairings = new PairingRepository(dataSource);
  }

  private readonly pairings: PairingRepository;

  @OnEvent('router', InboundReceived)
  async onInbound(event: InboundReceived, delivery?: MessageContext): Promise<void> {
    const { tenantId } = event;
    const inbound: Inbound = { tenantId, ...event.data };
    const messageKey = messageKeyOf(event.data.chat, event.data.messageId);
    // Only a redelivery can have an outcome already: the first delivery does not look. An engaged
    // one is routed again: its outcome commits with the routing, before the turn request is
    // published, and routing the same turn again is a no-op that publishes it (deduplicated).
    const recorded =
      (delivery?.deliveryCount ?? 1) > 1 ? (await this.outcomes.outcomeOf(tenantId, messageKey))?.outcome : undefined;
    try {
      if (event.data.operator) {
        if (recorded === 'ignored' || recorded === 'refused') return;
        return await this.intoSession(event, event.data.operator, messageKey);
      }
      const result = await this.decide(
        inbound,
        await this.cache.get(tenantId),
        recorded === 'failed' || recorded === 'engaged' ? undefined : recorded,
      );
      if (result.decisions.length === 0) return;
      const [only] = result.decisions;
      if (result.decisions.length === 1 && only!.kind === 'engage' && result.outcome === 'engaged') {
        // The plain path: one agent engaged. The routing statement records the outcome too.
        await this.request(event, only!, only!.command, only!.withContext, messageKey);
        return;
      }
      const done: OutcomeDecision[] = [];
      for (const decision of result.decisions) done.push(await this.carryOut(event, decision, messageKey));
      await this.outcomes.record(tenantId, messageKey, finalOutcome(result, done), done);
    } catch (error) {
      // A message that can never be routed still gets an outcome; transient errors are retried by the bus.
      if (error instanceof DomainError && !error.retryable)
        await this.outcomes.record(tenantId, messageKey, 'failed', [
          { kind: 'fail', reason: error.message.slice(0, 500) },
        ]);
      throw error;
    }
  }

  /**
   * An operator's message from the admin API: into the session it names, with that session's next
   * seq (still in the chat's partition, so in the chat's order), as an admin of the agent. Refused
   * (the outcome says why) for a session that is not its chat's current one, for `/new` (a chat's
   * users start sessions), and for a `/model` the agent does not allow.
   */
  private async intoSession(
    event: InboundReceived,
    operator: NonNullable<InboundReceived['data']['operator']>,
    messageKey: string,
  ): Promise<void> {
    const { tenantId } = event;
    const { sessionId, agentId } = operator;
    const refuse = (rule: string, reason: string) =>
      this.outcomes.record(tenantId, messageKey, 'refused', [{ kind: 'refuse', agentId, sessionId, rule, reason }]);
    const command = parseAddressedCommand(event.data.text)?.command;
    const agent = (await this.cache.get(tenantId)).agents.get(agentId);
    if (agent && !agent.enabled) return refuse('agent-disabled', `The agent ${agentId} is disabled.`);
    if (command?.name === 'new')
      return refuse('operator-command', 'An operator cannot start a new session; /new is for the chat’s users.');
    if (command?.name === 'pair')
      return refuse('operator-command', 'An operator approves pairings through the admin API (…/pairings/{id}/approve), not /pair.');
    if (command?.name === 'model' && command.args) {
      const refusal = modelChangeRefusal('admin', agent, command.args);
      if (refusal) return refuse('model-permission', refusal);
    }
    const turnId = deriveId('turn', tenantId, 'operator', sessionId, event.data.messageId);
    const routed = await this.sessions.routeInto({ tenantId, sessionId, agentId, turnId, outcomeKey: messageKey });
    if (!routed)
      return refuse(
        'operator-session',
        `Session ${sessionId} is not the current session of its chat for agent ${agentId}: an operator posts only into a current session.`,
      );
    const { chat, messageId, sender, text } = event.data;
    const agentVersion = agent && agent.currentVersion > 0 ? agent.currentVersion : undefined;
    const request = makeEnvelope(TurnRequested, {
      ...causedBy(event),
      id: turnId,
      data: {
        sessionId,
        agentId,
        ...(agentVersion !== undefined && { agentVersion }),
        turnId,
        seq: routed.seq,
        chat,
        message: { messageId, text, sender },
        source: 'api',
        ...(command && { command }),
      },
    });
    await this.bus.publisher.publish(TurnRequested, this.bus.topology.subjects.turnRequested(tenantId, sessionId), request);
  }

  /**
   * Routes; when a mention-sticky binding asked about its session, or a `pair` binding about the
   * sender's pending pairing, loads that and routes again.
   */
  private async decide(
    inbound: Inbound,
    data: RoutingData,
    recorded: RouteResult['outcome'] | undefined,
  ): Promise<RouteResult> {
    const options = {
      stickyMs: this.config.MENTION_STICKY_MS,
      pairing: { intervalMs: this.config.PAIRING_OFFER_INTERVAL_MS, maxPending: this.config.PAIRING_MAX_PENDING },
    };
    const asked = new Set<string>();
    let askedPairing = false;
    const first = route(
      inbound,
      data,
      { stickyUntil: (_agent, key) => void asked.add(key), pairing: () => void (askedPairing = true) },
      options,
      recorded,
    );
    if (asked.size === 0 && !askedPairing) return first;
    const [sticky, pairing] = await Promise.all([
      asked.size > 0 ? this.sessions.stickiness(inbound.tenantId, [...asked]) : new Map<string, number>(),
      askedPairing
        ? this.pairings.pendingOf(
            inbound.tenantId,
            inbound.chat.channel,
            inbound.sender.id,
            new Date(inbound.receivedAt),
          )
        : undefined,
    ]);
    return route(
      inbound,
      data,
      { stickyUntil: (agent, key) => sticky.get(`${agent}|${key}`), pairing: (): PairingView | undefined => pairing },
      options,
      recorded,
    );
  }

  private async carryOut(event: InboundReceived, decision: Decision, messageKey: string): Promise<OutcomeDecision> {
    switch (decision.kind) {
      case 'offer-pairing':
        return this.offerPairing(event, decision, messageKey);
      case 'approve-pairing':
        return this.approvePairing(event, decision, messageKey);
      case 'engage': {
        const { agentId, turnId } = decision;
        const sessionId = await this.request(event, decision, decision.command, decision.withContext);
        return { kind: 'engage', agentId, turnId, sessionId };
      }
      case 'refuse': {
        const { agentId, rule, reason, notice } = decision;
        if (!notice || !agentId) return { kind: 'refuse', agentId, rule, reason };
        // Told in the agent's session, in its order, like a command's answer.
        const sessionId = await this.request(
          event,
          { agentId, ...notice },
          { name: 'refused', args: reason.slice(0, 200) },
        );
        return { kind: 'refuse', agentId, rule, reason, turnId: notice.turnId, sessionId };
      }
      case 'ignore': {
        const { agentId, rule, accumulate } = decision;
        if (accumulate && agentId) {
          const { chat, messageId, sender, text, receivedAt } = event.data;
          await this.context.keep({
            tenantId: event.tenantId,
            chatKey: accumulate.sessionKey,
            agentId,
            messageKey: messageKeyOf(chat, messageId),
            sender: sender.displayName ?? sender.id,
            text,
            receivedAt,
          });
        }
        return { kind: 'ignore', agentId, rule };
      }
      default:
        return decision satisfies never;
    }
  }

  /** Makes (or, for a redelivery, finds) the sender's code and tells it in the agent's session. */
  private async offerPairing(
    event: InboundReceived,
    decision: Extract<Decision, { kind: 'offer-pairing' }>,
    messageKey: string,
  ): Promise<OutcomeDecision> {
    const { agentId, notice } = decision;
    const { chat, sender, receivedAt } = event.data;
    const offered = await this.pairings.offer(event.tenantId, {
      channel: chat.channel,
      senderId: sender.id,
      displayName: sender.displayName,
      chatId: chat.chatId,
      threadId: chat.threadId ?? null,
      messageKey,
      now: new Date(receivedAt),
      ttlMs: this.config.PAIRING_CODE_TTL_MS,
      intervalMs: this.config.PAIRING_OFFER_INTERVAL_MS,
      maxPending: this.config.PAIRING_MAX_PENDING,
    });
    const reason = 'unknown sender: asked to pair';
    switch (offered.kind) {
      case 'pending':
        return { kind: 'ignore', agentId, rule: 'pairing-pending' };
      case 'full':
        return { kind: 'ignore', agentId, rule: 'pairing-full' };
      case 'sent':
        return { kind: 'refuse', agentId, rule: 'pairing-offered', reason, turnId: notice.turnId };
      case 'offered': {
        const ttl = offered.expiresAt.getTime() - Date.parse(receivedAt);
        const sessionId = await this.request(
          event,
          { agentId, ...notice },
          { name: 'notice', args: offerText(offered.code, ttl) },
        );
        // Published: from now on only the code's hash is kept.
        await this.pairings.markSent(event.tenantId, offered.pairingId);
        return { kind: 'refuse', agentId, rule: 'pairing-offered', reason, turnId: notice.turnId, sessionId };
      }
      default:
        return offered satisfies never;
    }
  }

  /**
   * An owner's `/pair <code>`: approved in one transaction (user, identity, member role, decision),
   * the routers told, and the owner answered. A redelivery of the same message finds its own approval
   * and answers the same; a used, expired, rejected or unknown code (another tenant's included: the
   * lookup is by tenant) is refused with its reason. Wrong codes count, and past a few `/pair` rests.
   */
  private async approvePairing(
    event: InboundReceived,
    decision: Extract<Decision, { kind: 'approve-pairing' }>,
    messageKey: string,
  ): Promise<OutcomeDecision> {
    const { tenantId } = event;
    const { agentId, code, approverId, notice } = decision;
    const now = new Date(event.data.receivedAt);
    const since = new Date(now.getTime() - FAILURE_WINDOW_MS);
    const tell = async (rule: string, text: string, kind: 'engage' | 'refuse'): Promise<OutcomeDecision> => {
      const sessionId = await this.request(
        event,
        { agentId, ...notice },
        { name: kind === 'engage' ? 'notice' : 'refused', args: text },
      );
      return { kind, agentId, rule, ...(kind === 'refuse' && { reason: text }), turnId: notice.turnId, sessionId };
    };
    if ((await this.pairings.failuresSince(tenantId, approverId, since)) >= MAX_FAILURES)
      return tell('pairing-throttled', PAIR_REFUSAL.throttled, 'refuse');
    const result = await this.pairings.approve(
      tenantId,
      { code },
      { kind: 'user', userId: approverId, messageKey },
      now,
    );
    switch (result.kind) {
      case 'decided':
      case 'again': {
        const { pairing } = result;
        this.cache.invalidate(tenantId);
        // Into the EVENTS stream (as admin-api's outbox publishes it), acknowledged: if this fails the
        // message is redelivered, the approval answers `again`, and the announcement goes out then.
        await this.bus.publisher.publish(
          ProvisioningChanged,
          this.bus.topology.subjects.provisioningChanged(tenantId),
          makeEnvelope(ProvisioningChanged, {
            ...causedBy(event),
            id: deriveId('provisioning-changed', tenantId, 'pairing', pairing.id),
            data: { kind: 'pairing', id: pairing.id },
          }),
        );
        const who = `${pairing.displayName || pairing.senderId} (${pairing.channel} ${pairing.senderId})`;
        return tell('pairing-approved', approvedText(who), 'engage');
      }
      case 'unknown':
        await this.pairings.recordFailure(tenantId, approverId, now, since);
        return tell('pairing-unknown', PAIR_REFUSAL.unknown, 'refuse');
      case 'expired':
        return tell('pairing-expired', PAIR_REFUSAL.expired, 'refuse');
      case 'used':
        return tell('pairing-used', PAIR_REFUSAL.used, 'refuse');
      case 'conflict':
        return tell('pairing-rejected', PAIR_REFUSAL.rejected, 'refuse');
      default:
        return result satisfies never;
    }
  }

  /** Records the turn in the agent's session and publishes its request; returns the session. */
  private async request(
    event: InboundReceived,
    target: { agentId: string; agentVersion?: number; sessionKey: string; turnId: string; stickyUntil?: number },
    command: ChatCommand | undefined,
    takeContext = false,
    outcomeKey?: string,
  ): Promise<string> {
    const { tenantId } = event;
    const { chat, messageId, sender, text } = event.data;
    const routed = await this.sessions.route({
      tenantId,
      chatKey: target.sessionKey,
      turnId: target.turnId,
      newSessionId: uuidV7Ids.next(),
      agentId: target.agentId,
      startNewSession: command?.name === 'new',
      ...(target.stickyUntil !== undefined && { stickyUntil: new Date(target.stickyUntil) }),
      ...(outcomeKey !== undefined && { outcomeKey }),
    });
    const context = takeContext
      ? await this.context.take(tenantId, target.sessionKey, target.agentId, target.turnId)
      : [];
    const request = makeEnvelope(TurnRequested, {
      ...causedBy(event),
      id: target.turnId,
      data: {
        sessionId: routed.sessionId,
        agentId: target.agentId,
        ...(target.agentVersion !== undefined && { agentVersion: target.agentVersion }),
        turnId: target.turnId,
        seq: routed.seq,
        chat,
        message: { messageId, text: withContext(context, text, MAX_MESSAGE_CHARS), sender },
        source: 'user',
        ...(command && { command }),
      },
    });
    // Published after the routing commit and before the ack: a crash in between redelivers the
    // inbound message, which routes to the same turn and republishes it (deduplicated by turn id).
    await this.bus.publisher.publish(
      TurnRequested,
      this.bus.topology.subjects.turnRequested(tenantId, routed.sessionId),
      request,
    );
    return routed.sessionId;
  }
}

/** The message's outcome from what was done: a pairing offer the store turned down is an ignore. */
function finalOutcome(result: RouteResult, done: readonly OutcomeDecision[]): TerminalOutcome {
  if (!result.decisions.some((d) => d.kind === 'offer-pairing' || d.kind === 'approve-pairing')) return result.outcome;
  return done.some((d) => d.kind === 'engage')
    ? 'engaged'
    : done.some((d) => d.kind === 'refuse')
      ? 'refused'
      : 'ignored';
}
