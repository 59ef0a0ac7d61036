import { Module } from '@nestjs/common';
import { StuckLineMetrics } from './stuck-line-metrics';
import { StuckLinesController } from './stuck-lines.controller';
import { ListStuckLines } from './stuck-lines.handler';

/** Lines that wait on an event that may never come: listed over HTTP and counted by a gauge. */
@Module({ controllers: [StuckLinesController], providers: [ListStuckLines, StuckLineMetrics] })
export class StuckLinesModule {}
