import { Bus, causedBy, makeEnvelope, OnEvent } from '@clawfleet/bus';
import { chatKey, InboundReceived, TurnRequested } from '@clawfleet/contracts';
import { deriveId, uuidV7Ids } from '@clawfleet/platform';
import { Inject, Injectable } from '@nestjs/common';
import { ROUTER_CONFIG, type RouterConfig } from '../config';
import { parseChatCommand } from './chat-commands';
import { SessionDirectory } from './session-directory';

/** Turns an accepted message into a turn request for the chat's session, in the chat's order. */
@Injectable()
export class RouterConsumer {
  constructor(
    private readonly bus: Bus,
    private readonly sessions: SessionDirectory,
    @Inject(ROUTER_CONFIG) private readonly config: RouterConfig,
  ) {}

  @OnEvent('router', InboundReceived)
  async onInbound(event: InboundReceived): Promise<void> {
    const { chat, messageId, sender, text } = event.data;
    const key = chatKey(chat);
    // The turn id is derived from the message, so every redelivery asks for the same turn.
    const turnId = deriveId('turn', event.tenantId, key, messageId);
    const command = parseChatCommand(text);
    const routed = await this.sessions.route({
      tenantId: event.tenantId,
      chatKey: key,
      turnId,
      newSessionId: uuidV7Ids.next(),
      agentId: this.config.DEFAULT_AGENT_ID,
      startNewSession: command?.name === 'new',
    });
    const request = makeEnvelope(TurnRequested, {
      ...causedBy(event),
      id: turnId,
      data: {
        sessionId: routed.sessionId,
        agentId: routed.agentId,
        turnId,
        seq: routed.seq,
        chat,
        message: { messageId, text, sender },
        source: 'user',
        ...(command && { command }),
      },
    });
    // Published after the routing commit and before the ack: a crash in between redelivers the
    // inbound message, which routes to the same turn and republishes it (deduplicated by turn id).
    await this.bus.publisher.publish(TurnRequested, this.bus.topology.subjects.turnRequested(event.tenantId, routed.sessionId), request);
  }
}
