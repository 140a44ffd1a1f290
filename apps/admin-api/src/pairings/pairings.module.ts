import { Module } from '@nestjs/common';
import { RecordsModule } from '../records/records.module';
import { PairingsController } from './pairings.controller';
import { PairingsService } from './pairings.service';

/** Pairings of unknown senders: list, approve, reject (each decision audited, announced through the outbox). */
@Module({ imports: [RecordsModule], controllers: [PairingsController], providers: [PairingsService] })
export class PairingsModule {}
