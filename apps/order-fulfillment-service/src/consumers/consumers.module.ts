import { Module } from '@nestjs/common';
import { AllocationModule } from '../allocation/allocation.module';
import { EmailModule } from '../email/email.module';
import { IntakeModule } from '../intake/intake.module';
import { RefundsModule } from '../refunds/refunds.module';
import { FulfillmentConsumers } from './fulfillment-consumers';

/** The Kafka entry points and the use cases they hand events to. */
@Module({ imports: [IntakeModule, AllocationModule, EmailModule, RefundsModule], providers: [FulfillmentConsumers] })
export class ConsumersModule {}
