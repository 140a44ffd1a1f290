import type { Principal } from '@clawfleet/auth';
import { Bus, makeEnvelope } from '@clawfleet/bus';
import { ProvisioningChanged, type AuditEvent, type ProvisioningAuditAction } from '@clawfleet/contracts';
import { EventStore, outboxMessage } from '@clawfleet/event-store';
import { ConflictError, NotFoundError, systemClock } from '@clawfleet/platform';
import { CredentialKeys, ProvisioningRepository, ProvisioningResources, TenantEntity } from '@clawfleet/provisioning';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { recordAudit } from '../audit/audit-log';
import { ADMIN_CONFIG, type AdminConfig } from '../config';
import { AdminOutbox } from '../audit/outbox';

export interface Tx {
  readonly repo: ProvisioningRepository;
  readonly resources: ProvisioningResources;
  readonly manager: EntityManager;
}

export interface ChangeOf<T> {
  readonly action: ProvisioningAuditAction;
  /** The tenant whose data changes. */
  readonly tenantId: string;
  readonly kind: ProvisioningChanged['data']['kind'];
  /** The audited resource, from the result (a created one's id is known only then). */
  readonly resource: (result: T) => { type: string; id: string };
  /** What changed, for the audit trail: never a secret. */
  readonly details?: (result: T) => AuditEvent['data']['details'];
  /** False for a change under a tenant that need not exist yet (creating the tenant). */
  readonly tenantMustExist?: boolean;
}

const AUDIT_RETRIES = 3;

/**
 * Every write of the provisioning model: the change, its `AuditRecorded` event and the
 * `provisioning.changed` announcement commit in one transaction (the announcement through the
 * outbox), then the announcement is published at once, so every router and runner drops its cache.
 */
@Injectable()
export class ProvisioningChanges {
  readonly repo: ProvisioningRepository;
  readonly resources: ProvisioningResources;
  private readonly store: EventStore;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: Bus,
    private readonly relay: AdminOutbox,
    @Inject(ADMIN_CONFIG) config: AdminConfig,
  ) {
    const keys = CredentialKeys.parse(config.CREDENTIALS_KEYS);
    this.repo = new ProvisioningRepository(dataSource, keys);
    this.resources = new ProvisioningResources(dataSource, keys);
    this.store = new EventStore(dataSource);
  }

  /** 404 for a tenant that is not provisioned, exactly as for one the key may not see. */
  async requireTenant(tenantId: string, manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (!(await manager.existsBy(TenantEntity, { id: tenantId }))) throw new NotFoundError(`No tenant ${tenantId}.`);
  }

  async commit<T>(caller: Principal, work: (tx: Tx) => Promise<T>, change: ChangeOf<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(caller, change, work);
      } catch (error) {
        // Two changes of one resource at once: the audit stream's version moved under this one. Its
        // change rolled back with it; do it again on what is there now.
        const auditRace = error instanceof ConflictError && error.details?.['expectedVersion'] !== undefined;
        if (!auditRace || attempt >= AUDIT_RETRIES) throw error;
      }
    }
  }

  private async attempt<T>(caller: Principal, change: ChangeOf<T>, work: (tx: Tx) => Promise<T>): Promise<T> {
    const at = systemClock.now();
    const envelope = (resourceId: string) =>
      makeEnvelope(ProvisioningChanged, {
        tenantId: change.tenantId,
        data: { kind: change.kind, id: resourceId.slice(0, 200) },
      });
    let published: { messages: ReturnType<typeof outboxMessage>[]; ids: string[] } | undefined;
    const result = await this.dataSource.transaction(async (manager) => {
      if (change.tenantMustExist !== false) await this.requireTenant(change.tenantId, manager);
      const value = await work({ repo: this.repo.in(manager), resources: this.resources.in(manager), manager });
      const resource = change.resource(value);
      const messages = [
        outboxMessage(
          ProvisioningChanged,
          this.bus.topology.subjects.provisioningChanged(change.tenantId),
          envelope(resource.id),
        ),
      ];
      const { outboxIds: ids } = await recordAudit(
        this.store,
        manager,
        {
          action: change.action,
          actor: caller,
          at,
          tenantId: change.tenantId,
          resource,
          ...(change.details && { details: change.details(value) }),
        },
        { outbox: messages },
      );
      published = { messages, ids };
      return value;
    });
    if (published) await this.relay.publishNow(published.messages, published.ids);
    return result;
  }
}
