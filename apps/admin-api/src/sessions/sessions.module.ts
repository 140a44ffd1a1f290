import { Module } from '@nestjs/common';
import { RecordsModule } from '../records/records.module';
import { OperatorMessages } from './operator-messages';
import { MessagesController, SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [RecordsModule],
  controllers: [SessionsController, MessagesController],
  providers: [SessionsService, OperatorMessages],
})
export class SessionsModule {}
