import { createHash, randomInt } from 'node:crypto';
import { uuidV7Ids } from '@clawfleet/platform';
import type { DataSource, EntityManager } from 'typeorm';

/*
 * One-time pairing codes for senders without an identity (decision 0014). A code is random (8 of 30
 * unambiguous characters, about 39 bits), expires, is good for one approval, and is kept only as its
 * SHA-256 once the reply that carries it is out. One pending code per sender of a channel. Approving
 * makes the sender a user of the tenant with a `member` role; every statement is scoped by tenant, so
 * another tenant's code or id finds nothing.
 */

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 8;

/** A new code, shown as `ABCD-EFGH`. */
export function generatePairingCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What a person may type for a code: any case, with or without the dash and spaces. Undefined: not a code. */
export function normalizePairingCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  return code.length === CODE_LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

const hashOf = (normalized: string) => createHash('sha256').update(normalized).digest();

export type PairingStatus = 'pending' | 'approved' | 'rejected';

export interface Pairing {
  readonly id: string;
  readonly tenantId: string;
  readonly channel: string;
  readonly senderId: string;
  readonly displayName: string;
  readonly chatId: string;
  readonly threadId: string | null;
  /** A pending pairing past `expiresAt` can no longer be approved. */
  readonly status: PairingStatus;
  readonly offeredAt: Date;
  readonly expiresAt: Date;
  readonly decidedAt: Date | null;
  readonly decidedBy: string | null;
  readonly userId: string | null;
}

interface Row {
  id: string;
  tenant_id: string;
  channel: string;
  sender_id: string;
  display_name: string;
  chat_id: string;
  thread_id: string | null;
  code_to_send: string | null;
  message_key: string;
  status: PairingStatus;
  offered_at: Date;
  expires_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  decided_by_message: string | null;
  user_id: string | null;
}

const COLUMNS = `id, tenant_id, channel, sender_id, display_name, chat_id, thread_id, code_to_send, message_key, status,
  offered_at, expires_at, decided_at, decided_by, decided_by_message, user_id`;

const toPairing = (r: Row): Pairing => ({
  id: r.id,
  tenantId: r.tenant_id,
  channel: r.channel,
  senderId: r.sender_id,
  displayName: r.display_name,
  chatId: r.chat_id,
  threadId: r.thread_id,
  status: r.status,
  offeredAt: r.offered_at,
  expiresAt: r.expires_at,
  decidedAt: r.decided_at,
  decidedBy: r.decided_by,
  userId: r.user_id,
});

/** The pending offer of one sender, as routing needs it to decide whether to offer again. */
export interface PendingOffer {
  readonly offeredAt: number;
  readonly expiresAt: number;
  readonly messageKey: string;
}

export type OfferResult =
  /** `code`: the code to send (again, for a redelivery of the message that asked). */
  | { readonly kind: 'offered'; readonly pairingId: string; readonly code: string; readonly expiresAt: Date }
  /** This message's offer went out already (its code is no longer kept). */
  | { readonly kind: 'sent'; readonly pairingId: string }
  /** The sender was offered a code a moment ago: nothing more, so a sender cannot make the platform spam. */
  | { readonly kind: 'pending' }
  /** The tenant has as many pending codes as it allows. */
  | { readonly kind: 'full' };

/** Who decides: an owner in a chat (with the message that carried `/pair`), or an admin API key. */
export type Approver =
  | { readonly kind: 'user'; readonly userId: string; readonly messageKey: string }
  | { readonly kind: 'key'; readonly keyId: string };

export type DecisionResult =
  | { readonly kind: 'decided'; readonly pairing: Pairing }
  /** Decided the same way before: by this very request (a redelivery), or, through the API, by anyone. */
  | { readonly kind: 'again'; readonly pairing: Pairing }
  /** A code used (approved) before, by another request. */
  | { readonly kind: 'used'; readonly pairing: Pairing }
  /** Decided the other way before. */
  | { readonly kind: 'conflict'; readonly pairing: Pairing }
  | { readonly kind: 'expired'; readonly pairing: Pairing }
  | { readonly kind: 'unknown' };

/** TypeORM answers an UPDATE … RETURNING with `[rows, count]`, a SELECT with the rows. */
const returned = <T>(result: unknown): T[] =>
  (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];

const byOf = (approver: Approver) => (approver.kind === 'user' ? `user:${approver.userId}` : `key:${approver.keyId}`);

export class PairingRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The sender's pending offer and how many unexpired codes the tenant has pending, in one statement. */
  async pendingOf(
    tenantId: string,
    channel: string,
    senderId: string,
    now: Date,
  ): Promise<{ offer?: PendingOffer; pendingCount: number }> {
    const [row]: Array<{ offered_at: Date | null; expires_at: Date | null; message_key: string | null; n: number }> =
      await this.dataSource.query(
        `SELECT p.offered_at, p.expires_at, p.message_key,
                (SELECT count(*)::int FROM provisioning.pairings
                  WHERE tenant_id = $1 AND status = 'pending' AND expires_at > $4) AS n
         FROM (SELECT 1) one
         LEFT JOIN provisioning.pairings p
           ON p.tenant_id = $1 AND p.channel = $2 AND p.sender_id = $3 AND p.status = 'pending'`,
        [tenantId, channel, senderId, now],
      );
    return {
      pendingCount: row?.n ?? 0,
      ...(row?.offered_at &&
        row.expires_at &&
        row.message_key && {
          offer: {
            offeredAt: row.offered_at.getTime(),
            expiresAt: row.expires_at.getTime(),
            messageKey: row.message_key,
          },
        }),
    };
  }

  /**
   * Offers the sender a new code, in place of a pending one, unless it was offered one less than
   * `intervalMs` ago or the tenant has `maxPending` unexpired codes pending. A redelivery of the
   * message that asked gets the same code back (while its reply is not marked sent).
   */
  async offer(
    tenantId: string,
    input: {
      channel: string;
      senderId: string;
      displayName?: string;
      chatId: string;
      threadId?: string | null;
      messageKey: string;
      now: Date;
      ttlMs: number;
      intervalMs: number;
      maxPending: number;
    },
  ): Promise<OfferResult> {
    const { now } = input;
    try {
      return await this.dataSource.transaction(async (tx) => {
        const [existing]: Row[] = await tx.query(
          `SELECT ${COLUMNS} FROM provisioning.pairings
           WHERE tenant_id = $1 AND channel = $2 AND sender_id = $3 AND status = 'pending' FOR UPDATE`,
          [tenantId, input.channel, input.senderId],
        );
        if (existing?.message_key === input.messageKey)
          return existing.code_to_send
            ? {
                kind: 'offered' as const,
                pairingId: existing.id,
                code: existing.code_to_send,
                expiresAt: existing.expires_at,
              }
            : { kind: 'sent' as const, pairingId: existing.id };
        if (existing && existing.offered_at.getTime() > now.getTime() - input.intervalMs)
          return { kind: 'pending' as const };
        if (!existing) {
          const [{ n }]: Array<{ n: number }> = await tx.query(
            `SELECT count(*)::int AS n FROM provisioning.pairings WHERE tenant_id = $1 AND status = 'pending' AND expires_at > $2`,
            [tenantId, now],
          );
          if (n >= input.maxPending) return { kind: 'full' as const };
        }
        const code = generatePairingCode();
        const expiresAt = new Date(now.getTime() + input.ttlMs);
        const id = existing?.id ?? uuidV7Ids.next();
        const values = [
          tenantId,
          id,
          input.channel,
          input.senderId,
          input.displayName ?? '',
          input.chatId,
          input.threadId ?? null,
          hashOf(normalizePairingCode(code)!),
          code,
          input.messageKey,
          now,
          expiresAt,
        ];
        await tx.query(
          existing
            ? `UPDATE provisioning.pairings SET display_name = $5, chat_id = $6, thread_id = $7, code_hash = $8,
                 code_to_send = $9, message_key = $10, offered_at = $11, expires_at = $12
               WHERE tenant_id = $1 AND id = $2 AND channel = $3 AND sender_id = $4`
            : `INSERT INTO provisioning.pairings (tenant_id, id, channel, sender_id, display_name, chat_id, thread_id,
                 code_hash, code_to_send, message_key, offered_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          values,
        );
        return { kind: 'offered' as const, pairingId: id, code, expiresAt };
      });
    } catch (error) {
      // Another router offered this sender a code at the same moment (or, rarely, the same code exists).
      if ((error as { code?: string }).code === '23505') return { kind: 'pending' };
      throw error;
    }
  }

  /** The reply with the code is published: the code is no longer kept in clear. */
  async markSent(tenantId: string, pairingId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE provisioning.pairings SET code_to_send = NULL WHERE tenant_id = $1 AND id = $2`,
      [tenantId, pairingId],
    );
  }

  /**
   * Approves by code (an owner's `/pair`) or by id (the admin API): the sender becomes a user of the
   * tenant with its channel identity and a `member` role, in one transaction with the decision.
   * `manager`: commit inside the caller's transaction (admin-api records its audit event in it).
   */
  async approve(
    tenantId: string,
    target: { code: string } | { id: string },
    approver: Approver,
    now: Date,
    manager?: EntityManager,
  ): Promise<DecisionResult> {
    const work = async (tx: EntityManager): Promise<DecisionResult> => {
      const found = await this.lockTarget(tx, tenantId, target);
      if (!found) return { kind: 'unknown' };
      const pairing = toPairing(found);
      if (found.status === 'approved') {
        const same = approver.kind === 'key' || found.decided_by_message === approver.messageKey;
        return same ? { kind: 'again', pairing } : { kind: 'used', pairing };
      }
      if (found.status === 'rejected') return { kind: 'conflict', pairing };
      if (found.expires_at.getTime() <= now.getTime()) return { kind: 'expired', pairing };
      // The sender may have been made a user another way meanwhile: then that user it is.
      const [known]: Array<{ user_id: string }> = await tx.query(
        `SELECT user_id FROM provisioning.channel_identities WHERE tenant_id = $1 AND channel = $2 AND external_id = $3`,
        [tenantId, found.channel, found.sender_id],
      );
      let userId = known?.user_id;
      if (!userId) {
        userId = uuidV7Ids.next();
        await tx.query(`INSERT INTO provisioning.users (tenant_id, id, display_name) VALUES ($1, $2, $3)`, [
          tenantId,
          userId,
          found.display_name || found.sender_id,
        ]);
        await tx.query(
          `INSERT INTO provisioning.channel_identities (tenant_id, channel, external_id, user_id) VALUES ($1, $2, $3, $4)`,
          [tenantId, found.channel, found.sender_id, userId],
        );
        await tx.query(
          `INSERT INTO provisioning.roles (tenant_id, user_id, agent_id, role) VALUES ($1, $2, '', 'member')
           ON CONFLICT DO NOTHING`,
          [tenantId, userId],
        );
      }
      const [row] = returned<Row>(
        await tx.query(
          `UPDATE provisioning.pairings SET status = 'approved', decided_at = $3, decided_by = $4, decided_by_message = $5,
           user_id = $6, code_to_send = NULL
         WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
          [tenantId, found.id, now, byOf(approver), approver.kind === 'user' ? approver.messageKey : null, userId],
        ),
      );
      return { kind: 'decided', pairing: toPairing(row!) };
    };
    return manager ? work(manager) : this.dataSource.transaction(work);
  }

  /** Rejects a pending pairing (admin API): its code can no longer be approved. Idempotent. */
  async reject(
    tenantId: string,
    id: string,
    approver: Approver,
    now: Date,
    manager?: EntityManager,
  ): Promise<DecisionResult> {
    const work = async (tx: EntityManager): Promise<DecisionResult> => {
      const found = await this.lockTarget(tx, tenantId, { id });
      if (!found) return { kind: 'unknown' };
      if (found.status === 'rejected') return { kind: 'again', pairing: toPairing(found) };
      if (found.status === 'approved') return { kind: 'conflict', pairing: toPairing(found) };
      const [row] = returned<Row>(
        await tx.query(
          `UPDATE provisioning.pairings SET status = 'rejected', decided_at = $3, decided_by = $4, code_to_send = NULL
           WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
          [tenantId, id, now, byOf(approver)],
        ),
      );
      return { kind: 'decided', pairing: toPairing(row!) };
    };
    return manager ? work(manager) : this.dataSource.transaction(work);
  }

  async get(tenantId: string, id: string): Promise<Pairing | undefined> {
    const [row]: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM provisioning.pairings WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return row && toPairing(row);
  }

  /** The tenant's pairings, oldest first (ids are time-ordered), after `after`; `status` filters. */
  async list(tenantId: string, page: { after?: string; limit: number; status?: PairingStatus }): Promise<Pairing[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM provisioning.pairings
       WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2) AND ($3::text IS NULL OR status = $3)
       ORDER BY id LIMIT $4`,
      [tenantId, page.after ?? null, page.status ?? null, page.limit],
    );
    return rows.map(toPairing);
  }

  /** Counts a wrong code an owner tried; returns how many they tried since `since` (this one included). */
  async recordFailure(tenantId: string, userId: string, now: Date, since: Date): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await this.dataSource.query(
      `WITH added AS (INSERT INTO provisioning.pairing_failures (tenant_id, user_id, at) VALUES ($1, $2, $3) RETURNING 1)
       SELECT (SELECT count(*)::int FROM provisioning.pairing_failures WHERE tenant_id = $1 AND user_id = $2 AND at > $4) + 1 AS n`,
      [tenantId, userId, now, since],
    );
    return n;
  }

  /** Wrong codes an owner tried since `since`. */
  async failuresSince(tenantId: string, userId: string, since: Date): Promise<number> {
    const [{ n }]: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM provisioning.pairing_failures WHERE tenant_id = $1 AND user_id = $2 AND at > $3`,
      [tenantId, userId, since],
    );
    return n;
  }

  private async lockTarget(tx: EntityManager, tenantId: string, target: { code: string } | { id: string }) {
    if ('code' in target) {
      const normalized = normalizePairingCode(target.code);
      if (!normalized) return undefined;
      const [row]: Row[] = await tx.query(
        `SELECT ${COLUMNS} FROM provisioning.pairings WHERE tenant_id = $1 AND code_hash = $2 FOR UPDATE`,
        [tenantId, hashOf(normalized)],
      );
      return row;
    }
    const [row]: Row[] = await tx.query(
      `SELECT ${COLUMNS} FROM provisioning.pairings WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [tenantId, target.id],
    );
    return row;
  }
}
