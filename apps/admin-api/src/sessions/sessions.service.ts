import type { Principal } from '@clawfleet/auth';
import { EventStore } from '@clawfleet/event-store';
import { ConflictError, NotFoundError, uuidV7Ids } from '@clawfleet/platform';
import { InboundOutcomes, messageKeyOf, ParkedSessions, SessionIndex, type IndexedSession } from '@clawfleet/records';
import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { keysetCursor, keysetPage } from '../http/keyset';
import type { Page, PageQuery } from '../http/pagination';
import { OperatorMessages } from './operator-messages';
import { redactSecrets } from './redact';
import {
  SessionCursor,
  sessionView,
  VersionCursor,
  type OutcomeQuery,
  type PostMessage,
  type SessionListQuery,
} from './sessions.dto';

const sessionCursor = keysetCursor(SessionCursor);
const versionCursor = keysetCursor(VersionCursor);

/** Where a message's outcome is read. */
const outcomeUrl = (tenantId: string, chat: IndexedSession['chat'], messageId: string) =>
  `/v1/tenants/${tenantId}/messages/${encodeURIComponent(messageId)}/outcome?channel=${chat.channel}&chatId=${encodeURIComponent(chat.chatId)}${
    chat.threadId ? `&threadId=${encodeURIComponent(chat.threadId)}` : ''
  }`;

/**
 * Sessions as operators see them: the index session-runner keeps with every append, the stream
 * itself as the timeline, and two operations sent through the router like chat messages (an
 * operator's message, and `/stop` for the running turn).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly index: SessionIndex,
    private readonly parked: ParkedSessions,
    private readonly store: EventStore,
    private readonly outcomes: InboundOutcomes,
    private readonly messages: OperatorMessages,
  ) {}

  list(tenantId: string, query: z.infer<typeof SessionListQuery>) {
    const { limit, cursor, updatedSince, updatedBefore, ...filter } = query;
    return keysetPage(
      { limit, cursor },
      sessionCursor,
      (page) =>
        this.index.list(
          tenantId,
          {
            ...filter,
            ...(updatedSince && { updatedSince: new Date(updatedSince) }),
            ...(updatedBefore && { updatedBefore: new Date(updatedBefore) }),
          },
          page,
        ),
      (s) => s.key,
      sessionView,
    );
  }

  async session(tenantId: string, sessionId: string): Promise<IndexedSession> {
    const found = await this.index.get(tenantId, sessionId);
    if (!found) throw new NotFoundError(`No session ${sessionId}.`);
    return found;
  }

  async show(tenantId: string, sessionId: string) {
    const session = await this.session(tenantId, sessionId);
    const parked = await this.parked.parkedOf(tenantId, sessionId);
    return {
      ...sessionView(session),
      parked: parked
        ? { failures: parked.failures, lastError: parked.lastError, parkedAt: parked.parkedAt.toISOString() }
        : null,
    };
  }

  /** The session's recorded events, a page at a time (keyset on the stream's version). */
  async timeline(tenantId: string, sessionId: string, query: z.infer<typeof PageQuery>): Promise<Page<unknown>> {
    const after = versionCursor.decode(query.cursor)?.after ?? 0;
    await this.session(tenantId, sessionId);
    const events = await this.store.readStreamPage(tenantId, `session-${sessionId}`, after, query.limit + 1);
    const items = events.slice(0, query.limit);
    return {
      items: items.map((e) => ({
        version: e.version,
        type: e.type,
        recordedAt: e.recordedAt.toISOString(),
        data: redactSecrets(e.data) as Record<string, unknown>,
      })),
      ...(events.length > query.limit && { nextCursor: versionCursor.encode({ after: items.at(-1)!.version }) }),
    };
  }

  /**
   * `/stop` for the running (or suspended, or about to run) turn, as a chat's user would send it: the
   * runner ends the turn at its next safe point and drops what waited. The message id is derived from
   * the session's last recorded message, so asking again before anything new is recorded sends
   * nothing more; once nothing runs or waits, there is nothing to cancel (409).
   */
  async cancel(caller: Principal, tenantId: string, sessionId: string) {
    const session = await this.session(tenantId, sessionId);
    if (session.status === 'idle') throw new ConflictError(`No turn of session ${sessionId} is running.`);
    // The session in it: messages are keyed by chat, and a chat may have several sessions.
    const messageId = `operator:${sessionId}:stop:${session.lastSeq}`;
    const accepted = await this.messages.send(caller, session, {
      text: '/stop',
      messageId,
      action: 'session.turn-cancel-requested',
      details: { turnId: session.turnId ?? 'not started', lastSeq: session.lastSeq },
    });
    return {
      sessionId,
      turnId: session.turnId,
      messageId,
      outcome: outcomeUrl(tenantId, session.chat, messageId),
      accepted,
    };
  }

  /** An operator's message into the session: routed into it like a chat message, answered on its chat. */
  async post(caller: Principal, tenantId: string, sessionId: string, body: z.infer<typeof PostMessage>) {
    const session = await this.session(tenantId, sessionId);
    const messageId = `operator:${sessionId}:m:${body.messageId ?? uuidV7Ids.next()}`;
    const accepted = await this.messages.send(caller, session, {
      text: body.text,
      messageId,
      action: 'session.message-posted',
      details: { characters: body.text.length },
    });
    return { sessionId, messageId, outcome: outcomeUrl(tenantId, session.chat, messageId), accepted };
  }

  async outcome(tenantId: string, messageId: string, chat: z.infer<typeof OutcomeQuery>) {
    const recorded = await this.outcomes.outcomeOf(tenantId, messageKeyOf(chat, messageId));
    if (!recorded) throw new NotFoundError(`No outcome of message ${messageId} on that chat (yet).`);
    return {
      messageKey: recorded.messageKey,
      outcome: recorded.outcome,
      decisions: recorded.decisions,
      recordedAt: recorded.recordedAt.toISOString(),
    };
  }
}
