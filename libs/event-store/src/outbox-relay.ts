import type { Publisher } from '@clawfleet/bus';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { OUTBOX_CHANNEL } from './event-store';
import type { OutboxMessage } from './types';

/** Anything that runs a query: a TypeORM DataSource, a pg client. */
export interface QueryRunnerLike {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

// One relay per service publishes at a time, so the bus sees its messages in commit order: the
// advisory lock (class, hashtext(owner)), a key space of its own (two int4 keys, not one bigint).
const RELAY_LOCK_CLASS = 721_045;
const encoder = new TextEncoder();

interface OutboxRow {
  id: string;
  message_id: string;
  subject: string;
  payload: string;
  headers: Record<string, string>;
}

export interface OutboxRelayOptions {
  readonly databaseUrl: string;
  /**
   * The service this relay publishes for (its NATS user): it takes only the rows appended with this
   * `outboxOwner` (and rows without one), and is the leader among that service's replicas only.
   */
  readonly owner: string;
  readonly publisher: Publisher;
  readonly logger: Logger;
  /** Look for work this often even without a notification (a lost NOTIFY, a standby taking over). */
  readonly pollMs?: number;
  readonly batchSize?: number;
  /**
   * Rows younger than this are left to the process that wrote them (`publishNow`); the relay takes
   * over what that process did not publish (it crashed, NATS was down). 0: publish everything.
   */
  readonly leftoverAfterMs?: number;
  /**
   * Rows `publishNow` published are deleted together at most this often (default 200 ms), one
   * statement for every writer of the process meanwhile; keep it well below `leftoverAfterMs`.
   */
  readonly deleteEveryMs?: number;
}

/**
 * Publishes committed outbox messages to JetStream with Nats-Msg-Id = message id, then deletes them.
 * A crash between publish and delete republishes; JetStream's duplicate window keeps one copy.
 * Woken by NOTIFY from the appending transaction; one leader per service and database via an
 * advisory lock. Each service's relay takes only its own rows: with one NATS user per service, a
 * relay publishing another service's subjects would be refused and those rows stranded.
 */
export class OutboxRelay {
  private client?: Client;
  private stopped = false;
  private leader = false;
  private draining?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  /** Rows published by `publishNow`, to delete; deleted together, one statement for all writers. */
  private published: string[] = [];
  private deleting?: Promise<void>;
  private deleteTimer?: NodeJS.Timeout;
  private deleteRun?: QueryRunnerLike;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    await this.connect();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.deleteNow(); // what was published is deleted before the process goes
    await this.deleting;
    await this.draining;
    await this.client?.end().catch(() => undefined);
  }

  /**
   * The fast path: the writer publishes its own committed outbox rows at once; they are deleted
   * after (at most every `deleteEveryMs`), together with what other writers published meanwhile. Any
   * failure leaves the rows to the relay, whose copies JetStream's duplicate window drops. Publishing
   * in one pipeline keeps their order.
   */
  async publishNow(messages: readonly OutboxMessage[], ids: readonly string[], run: QueryRunnerLike): Promise<void> {
    if (ids.length === 0) return;
    try {
      await Promise.all(
        messages.map((m) =>
          this.options.publisher.publishRaw({
            subject: m.subject,
            payload: encoder.encode(m.payload),
            msgId: m.messageId,
            headers: m.headers,
          }),
        ),
      );
    } catch (error) {
      this.options.logger.warn({ err: error }, 'outbox fast path failed; the relay will publish');
      return;
    }
    this.published.push(...ids);
    this.deleteRun = run;
    if (this.stopped) this.deleteNow();
    else this.deleteTimer ??= setTimeout(() => this.deleteNow(), this.options.deleteEveryMs ?? 200);
  }

  private deleteNow(): void {
    clearTimeout(this.deleteTimer);
    this.deleteTimer = undefined;
    if (this.published.length > 0 && this.deleteRun) this.deleting ??= this.deletePublished(this.deleteRun);
  }

  private async deletePublished(run: QueryRunnerLike): Promise<void> {
    while (this.published.length > 0) {
      const ids = this.published;
      this.published = [];
      try {
        await run.query('DELETE FROM eventstore.outbox WHERE id = ANY($1::bigint[])', [ids]);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'deleting published outbox rows failed; the relay will republish');
      }
    }
    this.deleting = undefined;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** The service whose rows this relay publishes: what its writers append as `outboxOwner`. */
  get owner(): string {
    return this.options.owner;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: 'outbox-relay' });
    client.on('error', (error) => {
      this.options.logger.warn({ err: error }, 'outbox relay connection lost');
      this.leader = false;
      this.client = undefined;
    });
    client.on('notification', () => this.wake());
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.client = client;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.wake();
      this.schedule();
    }, this.options.pollMs ?? 1_000);
  }

  /** Coalesces wake-ups: at most one drain runs, and one more follows if woken meanwhile. */
  private wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((error) => this.options.logger.warn({ err: error }, 'outbox relay drain failed'))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    if (!this.client) await this.connect();
    const client = this.client!;
    if (!this.leader) {
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
        RELAY_LOCK_CLASS,
        this.options.owner,
      ]);
      this.leader = rows[0].ok;
      if (!this.leader) return;
    }
    for (;;) {
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, message_id, subject, payload, headers FROM eventstore.outbox
         WHERE (owner = $3 OR owner IS NULL) AND created_at <= now() - $2 * interval '1 millisecond'
         ORDER BY id LIMIT $1`,
        [this.options.batchSize ?? 256, this.options.leftoverAfterMs ?? 0, this.options.owner],
      );
      if (rows.length === 0) return;
      // Published in one pipeline: JetStream stores them in the order they are sent.
      await Promise.all(
        rows.map((row) =>
          this.options.publisher.publishRaw({
            subject: row.subject,
            payload: encoder.encode(row.payload),
            msgId: row.message_id,
            headers: row.headers,
          }),
        ),
      );
      await client.query('DELETE FROM eventstore.outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
      if (this.stopped) return;
    }
  }
}
