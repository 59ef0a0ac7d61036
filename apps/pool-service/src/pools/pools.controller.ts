import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '@keypool/platform';
import { KeyFormat } from '../import/key-format';
import { actingMerchant } from '../shared/merchant-scope';
import { flag, oneOfValues } from '../shared/query-params';
import { CreatePoolBody, UpdatePoolBody, parseCreatePool, parseUpdatePool } from './pool-requests';
import { PoolView } from './pool-view';
import { PoolChange, PoolsHandler } from './pools.handler';
import { visiblePool } from './visible-pool';

@ApiTags('pools')
@Controller('pools')
export class PoolsController {
  constructor(private readonly pools: PoolsHandler) {}

  @Post()
  @ApiOperation({
    summary: 'Create a pool',
    description: 'One pool per scope (common, product, product+currency) and mode. Held lines it can serve are served at once.',
  })
  @ApiBody({ type: CreatePoolBody })
  @ApiResponse({ status: 201, type: PoolView })
  @ApiResponse({ status: 409, description: 'a pool with this scope and mode already exists' })
  async create(@CurrentCaller() caller: Caller, @Body() body: unknown): Promise<PoolView> {
    const input = parseCreatePool(body);
    const productId = input.productId ?? null;
    const currency = input.currency ?? null;
    if (currency && !productId) throw new BadRequestException('A currency pool needs a productId: currency pools are per product');
    return unwrap(
      await this.pools.create({
        merchantId: actingMerchant(caller, input.merchantId),
        name: input.name,
        mode: input.mode ?? 'live',
        productId,
        currency,
        threshold: input.threshold,
        refundPolicy: input.refundPolicy,
        keyPattern: checkedKeyPattern(input.keyPattern),
      }),
    );
  }

  @Get()
  @ApiOperation({ summary: 'List pools with their stock', description: 'available, allocated and withdrawn licenses, and backordered lines.' })
  @ApiQuery({ name: 'merchantId', required: false, description: 'support only: one merchant' })
  @ApiQuery({ name: 'mode', required: false, enum: ['live', 'test'] })
  @ApiQuery({ name: 'includeArchived', required: false, type: Boolean })
  @ApiOkResponse({ type: [PoolView] })
  list(
    @CurrentCaller() caller: Caller,
    @Query('merchantId') merchantId?: string,
    @Query('mode') mode?: string,
    @Query('includeArchived') includeArchived?: string,
  ): Promise<PoolView[]> {
    return this.pools.list({
      merchantId: caller.kind === 'merchant' ? caller.merchantId : merchantId || undefined,
      mode: oneOfValues(mode, ['live', 'test'] as const, 'mode'),
      includeArchived: flag(includeArchived, 'includeArchived'),
    });
  }

  @Get(':poolId')
  @ApiOperation({ summary: 'Read a pool with its stock' })
  @ApiOkResponse({ type: PoolView })
  read(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string): Promise<PoolView> {
    return visiblePool(this.pools, caller, poolId);
  }

  @Patch(':poolId')
  @ApiOperation({ summary: 'Rename a pool or change its low-stock threshold, refund policy or key format' })
  @ApiResponse({ status: 400, description: 'a field out of bounds, or a keyPattern that is not an RE2 pattern: the message says why' })
  @ApiBody({ type: UpdatePoolBody })
  @ApiOkResponse({ type: PoolView })
  async update(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string, @Body() body: unknown): Promise<PoolView> {
    const change = parseUpdatePool(body);
    checkedKeyPattern(change.keyPattern);
    await visiblePool(this.pools, caller, poolId);
    return this.pools.update(poolId, change);
  }

  @Post(':poolId/archive')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Archive a pool',
    description: 'It keeps its licenses but routes no more orders; its held lines move to the next matching pool or become unroutable.',
  })
  @ApiOkResponse({ type: PoolView })
  async archive(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string): Promise<PoolView> {
    return this.pools.archive(await visiblePool(this.pools, caller, poolId));
  }

  @Post(':poolId/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore an archived pool', description: 'It routes again and serves held lines at once.' })
  @ApiOkResponse({ type: PoolView })
  @ApiResponse({ status: 409, description: 'another pool now has this scope and mode' })
  async restore(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string): Promise<PoolView> {
    return unwrap(await this.pools.restore(await visiblePool(this.pools, caller, poolId)));
  }
}

/** The pattern as sent if it compiles (RE2, at most 200 characters); otherwise 400 saying why. */
function checkedKeyPattern<T extends string | null | undefined>(pattern: T): T {
  if (typeof pattern !== 'string') return pattern;
  const format = KeyFormat.compile(pattern);
  if (!(format instanceof KeyFormat)) throw new BadRequestException(format.problem);
  return pattern;
}

function unwrap(change: PoolChange): PoolView {
  if (change.ok) return change.pool;
  if (change.problem === 'scope-taken') throw new ConflictException(change.message);
  throw new NotFoundException('Pool not found');
}
