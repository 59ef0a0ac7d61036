import { BadRequestException, Body, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, REVEAL_REASON, parseRevealRequest } from '@keypool/platform';
import { PoolsHandler } from '../pools/pools.handler';
import { visiblePool } from '../pools/visible-pool';
import { cursor, oneOfValues, pageLimit } from '../shared/query-params';
import { LicensePage, LicensesHandler } from './licenses.handler';

@ApiTags('licenses')
@Controller('pools/:poolId/licenses')
export class LicensesController {
  constructor(
    private readonly pools: PoolsHandler,
    private readonly licenses: LicensesHandler,
  ) {}

  @Get()
  @ApiOperation({
    summary: "List a pool's licenses, oldest first",
    description:
      'Values are masked (first and last four characters, or •••• under 12 characters) for every key, support included; POST …/licenses/{licenseId}/reveal shows one, audited.',
  })
  @ApiQuery({ name: 'status', required: false, enum: ['available', 'allocated', 'withdrawn', 'revoked'] })
  @ApiQuery({ name: 'limit', required: false, description: '1–1000, default 100' })
  @ApiQuery({ name: 'after', required: false, description: 'nextCursor of the previous page' })
  async list(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @Query('status') status?: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
  ): Promise<LicensePage> {
    await visiblePool(this.pools, caller, poolId);
    const page = {
      status: oneOfValues(status, ['available', 'allocated', 'withdrawn', 'revoked'] as const, 'status'),
      limit: pageLimit(limit),
      after: cursor(after),
    };
    return this.licenses.list(poolId, page);
  }

  @Post(':licenseId/reveal')
  @HttpCode(200)
  @ApiOperation({
    summary: "Shows one license's value, and records who asked, when and why",
    description: 'The one way to read a value in full, for the merchant or support. Every call is an entry of the reveal audit log (GET /v1/audit/reveals).',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['reason'],
      additionalProperties: false,
      properties: {
        reason: { type: 'string', minLength: REVEAL_REASON.min, maxLength: REVEAL_REASON.max, example: 'ticket 4711: key reported as already in use' },
      },
    },
  })
  @ApiResponse({ status: 200, description: '{ licenseId, value, auditId }' })
  @ApiResponse({ status: 400, description: 'no reason, or one too short or too long' })
  @ApiResponse({ status: 404, description: "unknown license or pool, or another merchant's pool" })
  async reveal(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string, @Param('licenseId') licenseId: string, @Body() body: unknown) {
    const pool = await visiblePool(this.pools, caller, poolId);
    const request = parseRevealRequest(body);
    if (!request.ok) throw new BadRequestException(request.error);
    const outcome = await this.licenses.reveal(caller, pool, licenseId, request.value.reason);
    if (!outcome.ok) throw new NotFoundException('License not found in this pool');
    return { licenseId: outcome.licenseId, value: outcome.value, auditId: outcome.auditId };
  }

  @Delete(':licenseId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Withdraw an unused license', description: 'Withdrawing twice is fine; an allocated license cannot be withdrawn.' })
  @ApiResponse({ status: 204, description: 'withdrawn' })
  @ApiResponse({ status: 409, description: 'the license is allocated to an order line' })
  async withdraw(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string, @Param('licenseId') licenseId: string): Promise<void> {
    await visiblePool(this.pools, caller, poolId);
    const outcome = await this.licenses.withdraw(poolId, licenseId, caller.keyId);
    if (outcome.ok) return;
    if (outcome.problem === 'not-found') throw new NotFoundException('License not found in this pool');
    throw new ConflictException(`This license was allocated to order ${outcome.orderId} line ${outcome.lineId}; allocated licenses cannot be withdrawn`);
  }
}
