import type { Principal } from '@clawfleet/auth';
import { Bus, getDeadLetter, listDeadLetters, redriveDeadLetter, type DeadLetter } from '@clawfleet/bus';
import { EventStore } from '@clawfleet/event-store';
import { deriveId, NotFoundError, systemClock, ValidationError } from '@clawfleet/platform';
import { Body, Controller, Get, HttpCode, Injectable, Module, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../audit/audit-log';
import { Caller, PlatformOnly } from '../auth/principal';
import { keysetCursor, parseQuery } from '../http/keyset';
import { PageQuery, pageSchema, type Page } from '../http/pagination';
import { DocumentedQuery } from '../http/query-doc';
import { Documented, parseBody } from '../http/zod-schema';
import { RecordsModule } from '../records/records.module';

/** A subject as operators write it (without the installation's namespace); may end in `>`, tokens may be `*`. */
const SubjectPattern = z
  .string()
  .max(300)
  .regex(
    /^(>|([A-Za-z0-9_:-]+|\*)(\.([A-Za-z0-9_:-]+|\*))*(\.>)?)$/,
    'subject must be NATS tokens, `*` or a final `>`',
  );

const DeadLettersQuery = PageQuery.extend({
  subject: SubjectPattern.optional(),
  /** Only dead letters written at or after this time. */
  since: z.iso.datetime({ offset: true }).optional(),
}).strict();

const RedriveAll = z.strictObject({
  /** Which ones: their original subject, e.g. `turn.requested.>` (`>`: all). Required, so "all" is said. */
  subject: SubjectPattern,
  since: z.iso.datetime({ offset: true }).optional(),
});

const SeqParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const cursor = keysetCursor(z.strictObject({ seq: z.number().int().positive() }));

const DeadLetterView = z.object({
  /** Sequence in the DLQ stream: the id to redrive it by. */
  seq: z.number().int(),
  /** The subject it was on, and goes back to (without the namespace). */
  subject: z.string(),
  reason: z.string(),
  consumer: z.string(),
  deliveries: z.number().int(),
  deadAt: z.iso.datetime(),
  /** The envelope's tenant, when the payload is one. */
  tenantId: z.string().nullable(),
  /** The payload, when it is JSON (poison may not be); `payloadBase64` is always the exact bytes. */
  payload: z.unknown().nullable(),
  payloadBase64: z.string(),
});
type DeadLetterView = z.infer<typeof DeadLetterView>;

const Redriven = z.object({
  seq: z.number().int(),
  /** false: it was redriven before (by this API), nothing was published again. */
  redriven: z.boolean(),
});
const RedrivenAll = z.object({ redriven: z.array(z.number().int()), count: z.number().int() });

const REDRIVE_BATCH = 1_000;

/**
 * Dead letters (libs/bus's DLQ stream): platform-wide, so for platform admins only. A redrive
 * publishes the message again to its original subject (its message id derived from the DLQ
 * sequence: once) and is audited first, under an id derived from the sequence: asked twice, it is
 * recorded and published once.
 */
@Injectable()
export class DeadLettersService {
  constructor(
    private readonly bus: Bus,
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
  ) {}

  private get namespace(): string {
    return this.bus.topology.namespace;
  }

  private withNamespace = (subject: string) => (this.namespace ? `${this.namespace}.${subject}` : subject);
  private withoutNamespace = (subject: string) =>
    this.namespace && subject.startsWith(`${this.namespace}.`) ? subject.slice(this.namespace.length + 1) : subject;

  private view = (l: DeadLetter): DeadLetterView => {
    let payload: unknown = null;
    try {
      payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(l.payload));
    } catch {
      payload = null;
    }
    const tenant = (payload as { tenantId?: unknown } | null)?.tenantId;
    return {
      seq: l.seq,
      subject: this.withoutNamespace(l.subject),
      reason: l.reason,
      consumer: l.consumer,
      deliveries: l.deliveries,
      deadAt: l.deadAt.toISOString(),
      tenantId: typeof tenant === 'string' ? tenant : null,
      payload,
      payloadBase64: Buffer.from(l.payload).toString('base64'),
    };
  };

  async list(query: z.infer<typeof DeadLettersQuery>): Promise<Page<DeadLetterView>> {
    const letters = await listDeadLetters(this.bus.jsm, this.bus.topology, {
      ...(query.subject && { subject: this.withNamespace(query.subject) }),
      ...(query.since && { since: new Date(query.since) }),
      afterSeq: cursor.decode(query.cursor)?.seq,
      limit: query.limit + 1,
    }).catch(noStream);
    const items = letters.slice(0, query.limit);
    return {
      items: items.map(this.view),
      ...(letters.length > query.limit && { nextCursor: cursor.encode({ seq: items.at(-1)!.seq }) }),
    };
  }

  private auditId = (seq: number) =>
    deriveId('audit', 'dead-letter.redriven', this.bus.topology.streams.DLQ.name, String(seq));

  async redriveOne(caller: Principal, seq: number): Promise<z.infer<typeof Redriven>> {
    const letter = await getDeadLetter(this.bus.jsm, this.bus.topology, seq);
    if (!letter) {
      const seen: unknown[] = await this.dataSource.query(`SELECT 1 FROM eventstore.events WHERE event_id = $1`, [
        this.auditId(seq),
      ]);
      if (seen.length > 0) return { seq, redriven: false };
      throw new NotFoundError(`No dead letter ${seq}.`);
    }
    await this.redrive(caller, letter);
    return { seq, redriven: true };
  }

  async redriveAll(caller: Principal, body: z.infer<typeof RedriveAll>) {
    const letters = await listDeadLetters(this.bus.jsm, this.bus.topology, {
      subject: this.withNamespace(body.subject),
      ...(body.since && { since: new Date(body.since) }),
      limit: REDRIVE_BATCH,
    }).catch(noStream);
    const redriven: number[] = [];
    for (const letter of letters) if (await this.redrive(caller, letter)) redriven.push(letter.seq);
    return { redriven, count: redriven.length };
  }

  /** Audited (the intent, before the publish: a failed publish is retried by asking again), then published. */
  private async redrive(caller: Principal, letter: DeadLetter): Promise<boolean> {
    const { DLQ } = this.bus.topology.streams;
    await this.dataSource.transaction((manager) =>
      recordAudit(
        this.store,
        manager,
        {
          action: 'dead-letter.redriven',
          actor: caller,
          at: systemClock.now(),
          tenantId: null,
          resource: { type: 'dead-letter', id: `${DLQ.name}-${letter.seq}` },
          details: { subject: this.withoutNamespace(letter.subject), reason: letter.reason.slice(0, 500) },
        },
        { id: this.auditId(letter.seq) },
      ),
    );
    return (await redriveDeadLetter(this.bus.jsm, this.bus.publisher, this.bus.topology, letter.seq)) !== undefined;
  }
}

/** Nothing was ever dead-lettered: the stream does not exist yet. */
function noStream(error: unknown): DeadLetter[] {
  if ((error as { name?: string })?.name === 'StreamNotFoundError') return [];
  throw error;
}

@ApiTags('dead letters')
@ApiBearerAuth()
@Controller('v1/platform/dead-letters')
export class DeadLettersController {
  constructor(private readonly service: DeadLettersService) {}

  @Get()
  @PlatformOnly()
  @DocumentedQuery(DeadLettersQuery)
  @Documented({
    status: 200,
    response: pageSchema(DeadLetterView),
    description: 'Dead letters, oldest first: where each was going, why it was given up, its payload',
  })
  list(@Query() query: unknown) {
    return this.service.list(parseQuery(DeadLettersQuery, query));
  }

  @Post('redrive')
  @HttpCode(200)
  @PlatformOnly()
  @Documented({
    body: RedriveAll,
    status: 200,
    response: RedrivenAll,
    description: `Publishes the matching dead letters again (up to ${REDRIVE_BATCH} a call) and removes them`,
  })
  redriveAll(@Caller() caller: Principal, @Body() body: unknown) {
    return this.service.redriveAll(caller, parseBody(RedriveAll, body));
  }

  @Post(':seq/redrive')
  @HttpCode(200)
  @PlatformOnly()
  @Documented({ status: 200, response: Redriven, description: 'Publishes the dead letter again to its subject' })
  redriveOne(@Caller() caller: Principal, @Param('seq') raw: string) {
    const seq = SeqParam.safeParse(raw);
    if (!seq.success || !/^\d+$/.test(raw)) throw new ValidationError('seq must be a positive integer');
    return this.service.redriveOne(caller, seq.data);
  }
}

@Module({ imports: [RecordsModule], controllers: [DeadLettersController], providers: [DeadLettersService] })
export class DeadLettersModule {}
