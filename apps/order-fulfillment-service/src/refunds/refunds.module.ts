import { Module } from '@nestjs/common';
import { ReceiveRefunds } from './order-refunded.handler';

/** Refunds from the checkout, applied to their order or kept until it arrives. */
@Module({ providers: [ReceiveRefunds], exports: [ReceiveRefunds] })
export class RefundsModule {}
