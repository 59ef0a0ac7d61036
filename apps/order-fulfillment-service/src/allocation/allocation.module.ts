import { Module } from '@nestjs/common';
import { RecordDeferrals } from './allocation-deferred.handler';
import { RecordAllocations } from './license-allocated.handler';

/** The pool's answers: licenses allocated to a line, or why the line waits. */
@Module({ providers: [RecordAllocations, RecordDeferrals], exports: [RecordAllocations, RecordDeferrals] })
export class AllocationModule {}
