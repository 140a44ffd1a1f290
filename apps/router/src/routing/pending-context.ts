import { queryPrepared } from '@clawfleet/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ContextMessage {
  readonly sender: string;
  readonly text: string;
}

/**
 * Messages an agent ignored under the `accumulate` policy, kept for its next engaged turn in the
 * session. A turn takes them by marking them with its id (not deleting), so a redelivered turn takes
 * the same ones again and its request stays identical.
 */
@Injectable()
export class PendingContext {
  constructor(private readonly dataSource: DataSource) {}

  async keep(input: {
    tenantId: string;
    chatKey: string;
    agentId: string;
    messageKey: string;
    sender: string;
    text: string;
    receivedAt: string;
  }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO router.pending_context (tenant_id, chat_key, agent_id, message_key, sender, text, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [input.tenantId, input.chatKey, input.agentId, input.messageKey, input.sender, input.text, input.receivedAt],
    );
  }

  async take(tenantId: string, chatKey: string, agentId: string, turnId: string): Promise<ContextMessage[]> {
    const { rows } = await queryPrepared<{ sender: string; text: string; received_at: Date }>(
      this.dataSource,
      `UPDATE router.pending_context SET turn_id = $4
       WHERE tenant_id = $1 AND chat_key = $2 AND agent_id = $3 AND (turn_id IS NULL OR turn_id = $4)
       RETURNING sender, text, received_at`,
      [tenantId, chatKey, agentId, turnId],
    );
    return rows
      .sort((a, b) => a.received_at.getTime() - b.received_at.getTime())
      .map(({ sender, text }) => ({ sender, text }));
  }
}

/** The turn's text with the context before it, within the longest message a turn may carry. */
export function withContext(context: readonly ContextMessage[], text: string, maxChars: number): string {
  if (context.length === 0) return text;
  const lines = context.map((m) => `${m.sender}: ${m.text}`);
  const suffix = `\n\n${text}`;
  let head = `Earlier messages in this chat, for context:\n${lines.join('\n')}`;
  if (head.length + suffix.length > maxChars) head = head.slice(head.length + suffix.length - maxChars);
  return `${head}${suffix}`.slice(-maxChars);
}
