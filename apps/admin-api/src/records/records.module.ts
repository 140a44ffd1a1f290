import { EventStore } from '@clawfleet/event-store';
import { DailyUsage, DeliveryLog, InboundOutcomes, ParkedSessions, SessionIndex } from '@clawfleet/records';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AdminOutbox } from '../audit/outbox';

const onDataSource = <T>(type: new (ds: DataSource) => T) => ({
  provide: type,
  inject: [DataSource],
  useFactory: (ds: DataSource) => new type(ds),
});

/**
 * What the operations routes read, through the code of each table's owner (libs/records): the
 * session index, parked sessions and daily usage (session-runner's), message outcomes (the
 * router's), delivery failures (delivery's); the event store for timelines and the audit trail.
 */
@Module({
  providers: [
    onDataSource(SessionIndex),
    onDataSource(ParkedSessions),
    onDataSource(DailyUsage),
    onDataSource(InboundOutcomes),
    onDataSource(DeliveryLog),
    onDataSource(EventStore),
    AdminOutbox,
  ],
  exports: [SessionIndex, ParkedSessions, DailyUsage, InboundOutcomes, DeliveryLog, EventStore, AdminOutbox],
})
export class RecordsModule {}
