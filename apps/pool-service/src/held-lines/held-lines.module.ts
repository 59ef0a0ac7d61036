import { Module } from '@nestjs/common';
import { HeldLinesController } from './held-lines.controller';
import { ListHeldLines } from './held-lines.handler';

/** The order lines pool-service holds (awaiting stock or unroutable), as merchants and support list them. */
@Module({ controllers: [HeldLinesController], providers: [ListHeldLines] })
export class HeldLinesModule {}
