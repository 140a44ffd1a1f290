import { queryPrepared } from '@clawfleet/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { Scope } from './scopes';

/** A key as stored: never the key itself, only its hash. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly prefix: string;
  readonly hash: string;
  readonly tenantId: string | null;
  readonly scope: Scope;
  readonly userId: string | null;
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

interface Row {
  id: string;
  prefix: string;
  hash: string;
  tenant_id: string | null;
  scope: Scope;
  user_id: string | null;
  name: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const toRecord = (r: Row): ApiKeyRecord => ({
  id: r.id,
  prefix: r.prefix,
  hash: r.hash,
  tenantId: r.tenant_id,
  scope: r.scope,
  userId: r.user_id,
  name: r.name,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

const COLUMNS =
  'id, prefix, hash, tenant_id, scope, user_id, name, created_by, created_at, expires_at, revoked_at, last_used_at';

export type NewApiKey = Omit<ApiKeyRecord, 'createdAt' | 'revokedAt' | 'lastUsedAt'>;

/** The API keys table. Every read of a tenant's keys is scoped by tenant (null: the platform's). */
export class ApiKeysRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(key: NewApiKey, manager?: EntityManager): Promise<ApiKeyRecord> {
    const rows: Row[] = await (manager ?? this.dataSource).query(
      `INSERT INTO auth.api_keys (id, prefix, hash, tenant_id, scope, user_id, name, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [key.id, key.prefix, key.hash, key.tenantId, key.scope, key.userId, key.name, key.createdBy, key.expiresAt],
    );
    return toRecord(rows[0]!);
  }

  /** The key with this visible prefix, whatever its tenant: only for verifying a presented key. */
  async findByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
    const { rows } = await queryPrepared<Row>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM auth.api_keys WHERE prefix = $1`,
      [prefix],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async get(tenantId: string | null, id: string): Promise<ApiKeyRecord | null> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM auth.api_keys WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2`,
      [id, tenantId],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** A page of a tenant's keys in creation order (ids are time-ordered), after the cursor's id. */
  async list(tenantId: string | null, page: { after?: string; limit: number }): Promise<ApiKeyRecord[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM auth.api_keys
       WHERE tenant_id IS NOT DISTINCT FROM $1 AND ($2::uuid IS NULL OR id > $2::uuid)
       ORDER BY id LIMIT $3`,
      [tenantId, page.after ?? null, page.limit],
    );
    return rows.map(toRecord);
  }

  /** Revokes a key once; returns it as revoked, or null if the tenant has no such key. */
  async revoke(tenantId: string | null, id: string, at: Date, manager?: EntityManager): Promise<ApiKeyRecord | null> {
    const rows: [Row[], number] | Row[] = await (manager ?? this.dataSource).query(
      `UPDATE auth.api_keys SET revoked_at = COALESCE(revoked_at, $3)
       WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2 RETURNING ${COLUMNS}`,
      [id, tenantId, at],
    );
    // TypeORM's postgres driver returns [rows, count] for UPDATE … RETURNING.
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as Row[];
    return list[0] ? toRecord(list[0]) : null;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.dataSource.query(`UPDATE auth.api_keys SET last_used_at = $2 WHERE id = $1`, [id, at]);
  }
}
