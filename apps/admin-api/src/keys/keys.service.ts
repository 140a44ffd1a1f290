import { ApiKeysRepository, generateKey, KeyVerifier, mayGrant, type Principal, type Scope } from '@clawfleet/auth';
import { EventStore } from '@clawfleet/event-store';
import { ForbiddenError, NotFoundError, systemClock, uuidV7Ids } from '@clawfleet/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { recordAudit } from '../audit/audit-log';
import { keyView, type KeyView } from './keys.dto';

export interface KeyRequest {
  readonly tenantId: string | null;
  readonly scope: Scope;
  readonly name: string;
  readonly userId?: string;
  readonly expiresAt?: string;
}

/** Creating and revoking keys: each change commits with its audit event. */
@Injectable()
export class KeysService {
  private readonly store: EventStore;

  constructor(
    private readonly dataSource: DataSource,
    readonly keys: ApiKeysRepository,
    private readonly verifier: KeyVerifier,
  ) {
    this.store = new EventStore(dataSource);
  }

  async create(caller: Principal, request: KeyRequest): Promise<KeyView & { key: string }> {
    if (!mayGrant(caller, request.scope)) throw new ForbiddenError(`This key may not create ${request.scope} keys.`);
    const generated = generateKey();
    const at = systemClock.now();
    const record = await this.dataSource.transaction(async (manager) => {
      const created = await this.keys.insert(
        {
          id: uuidV7Ids.next(),
          prefix: generated.prefix,
          hash: generated.hash,
          tenantId: request.tenantId,
          scope: request.scope,
          userId: request.userId ?? null,
          name: request.name,
          createdBy: caller.keyId,
          expiresAt: request.expiresAt ? new Date(request.expiresAt) : null,
        },
        manager,
      );
      await recordAudit(this.store, manager, {
        action: 'key.created',
        actor: caller,
        at,
        tenantId: request.tenantId,
        resource: { type: 'key', id: created.id },
        details: { prefix: created.prefix, scope: created.scope, userId: created.userId },
      });
      return created;
    });
    return { ...keyView(record), key: generated.key };
  }

  async revoke(caller: Principal, tenantId: string | null, id: string): Promise<KeyView> {
    const at = systemClock.now();
    const record = await this.dataSource.transaction(async (manager) => {
      const revoked = await this.keys.revoke(tenantId, id, at, manager);
      if (!revoked) throw new NotFoundError(`No key ${id}.`);
      if (revoked.revokedAt?.getTime() === at.getTime())
        await recordAudit(this.store, manager, {
          action: 'key.revoked',
          actor: caller,
          at,
          tenantId,
          resource: { type: 'key', id },
          details: { prefix: revoked.prefix },
        });
      return revoked;
    });
    this.verifier.forget(record.prefix);
    return keyView(record);
  }

  async get(tenantId: string | null, id: string): Promise<KeyView> {
    const record = await this.keys.get(tenantId, id);
    if (!record) throw new NotFoundError(`No key ${id}.`);
    return keyView(record);
  }
}
