import { Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidBody, ValidQuery, unwrapResult } from '@keypool/platform';
import type { PoolView } from './pool-view';
import { ArchivePool, CreatePool, ListPools, ReadPool, RestorePool, UpdatePool } from './pools.handler';
import { CreatePoolBody, ListPoolsQuery, NO_SUCH_POOL, PoolViewSchema, UpdatePoolBody } from './pools.schemas';

@ApiTags('pools')
@Controller('pools')
export class PoolsController {
  constructor(
    private readonly creating: CreatePool,
    private readonly listing: ListPools,
    private readonly reading: ReadPool,
    private readonly updating: UpdatePool,
    private readonly archiving: ArchivePool,
    private readonly restoring: RestorePool,
  ) {}

  @Post()
  @Endpoint({
    operationId: 'createPool',
    summary: 'Create a pool',
    description: 'One pool per scope (common, product, product+currency) and mode. Held lines it can serve are served at once.',
    body: CreatePoolBody,
    ok: { status: 201, schema: PoolViewSchema },
    errors: {
      400: 'a currency without a productId, a support key naming no merchantId, or a keyPattern that is not an RE2 pattern',
      409: 'a pool with this scope and mode already exists',
    },
  })
  async create(@CurrentCaller() caller: Caller, @ValidBody(CreatePoolBody) body: Static<typeof CreatePoolBody>): Promise<PoolView> {
    return unwrapResult(await this.creating.create(caller, body));
  }

  @Get()
  @Endpoint({
    operationId: 'listPools',
    summary: 'List pools with their stock',
    description: 'available, allocated and withdrawn licenses, and backordered lines.',
    query: ListPoolsQuery,
    ok: { schema: Type.Array(PoolViewSchema) },
  })
  list(@CurrentCaller() caller: Caller, @ValidQuery(ListPoolsQuery) query: Static<typeof ListPoolsQuery>): Promise<PoolView[]> {
    return this.listing.list(caller, query);
  }

  @Get(':poolId')
  @Endpoint({ operationId: 'getPool', summary: 'Read a pool with its stock', ok: { schema: PoolViewSchema }, errors: { 404: NO_SUCH_POOL } })
  async read(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string): Promise<PoolView> {
    return unwrapResult(await this.reading.read(caller, poolId));
  }

  @Patch(':poolId')
  @Endpoint({
    operationId: 'updatePool',
    summary: 'Rename a pool or change its low-stock threshold, refund policy or key format',
    body: UpdatePoolBody,
    ok: { schema: PoolViewSchema },
    errors: { 400: 'a keyPattern that is not an RE2 pattern: the message says why', 404: NO_SUCH_POOL },
  })
  async update(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @ValidBody(UpdatePoolBody) body: Static<typeof UpdatePoolBody>,
  ): Promise<PoolView> {
    return unwrapResult(await this.updating.update(caller, poolId, body));
  }

  @Post(':poolId/archive')
  @HttpCode(200)
  @Endpoint({
    operationId: 'archivePool',
    summary: 'Archive a pool',
    description: 'It keeps its licenses but routes no more orders; its held lines move to the next matching pool or become unroutable.',
    ok: { schema: PoolViewSchema },
    errors: { 404: NO_SUCH_POOL },
  })
  async archive(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string): Promise<PoolView> {
    return unwrapResult(await this.archiving.archive(caller, poolId));
  }

  @Post(':poolId/restore')
  @HttpCode(200)
  @Endpoint({
    operationId: 'restorePool',
    summary: 'Restore an archived pool',
    description: 'It routes again and serves held lines at once.',
    ok: { schema: PoolViewSchema },
    errors: { 404: NO_SUCH_POOL, 409: 'another pool now has this scope and mode' },
  })
  async restore(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string): Promise<PoolView> {
    return unwrapResult(await this.restoring.restore(caller, poolId));
  }
}
