import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type } from '@sinclair/typebox';
import { Caller, CurrentCaller } from '@keypool/platform';
import { PoolsHandler } from '../pools/pools.handler';
import { visiblePool } from '../pools/visible-pool';
import { ensureVisible } from '../shared/merchant-scope';
import { bodyParser } from '../shared/parse-body';
import { pageLimit } from '../shared/query-params';
import { isUuid } from '../shared/ids';
import { BULK_WITHDRAW_MAX, BulkWithdrawal, Recall, UploadPage, UploadView, UploadsHandler } from './uploads.handler';

const parseWithdrawBody = bodyParser(
  Type.Object(
    { values: Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { minItems: 1, maxItems: BULK_WITHDRAW_MAX }) },
    { additionalProperties: false },
  ),
);

const SOLD_DOC = 'sold: { count, licenses: [{ licenseId, orderId, lineId }] } (the first 1,000 listed; sold licenses stay with their order line)';

@ApiTags('uploads')
@Controller()
export class UploadsController {
  constructor(
    private readonly pools: PoolsHandler,
    private readonly uploads: UploadsHandler,
  ) {}

  @Get('pools/:poolId/uploads')
  @ApiOperation({
    summary: "List a pool's uploads, newest first",
    description: 'Each committed import is an upload: its id, label, time and stored report (counts and line numbers, never values).',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1–100, default 20' })
  @ApiQuery({ name: 'after', required: false, description: 'nextCursor of the previous page' })
  @ApiResponse({ status: 200, description: '{ items: [{ uploadId, poolId, merchantId, label, createdAt, recalledAt, report }], nextCursor }' })
  @ApiResponse({ status: 404, description: "unknown pool, or another merchant's pool" })
  async list(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
  ): Promise<UploadPage> {
    await visiblePool(this.pools, caller, poolId);
    if (after !== undefined && after !== '' && !isUuid(after)) throw new BadRequestException('after must be the nextCursor of a previous page');
    return this.uploads.list(poolId, { limit: pageLimit(limit, 20, 100), after: after || undefined });
  }

  @Get('uploads/:uploadId')
  @ApiOperation({ summary: 'One upload: its label, time, report and when it was recalled' })
  @ApiResponse({ status: 200, description: '{ uploadId, poolId, merchantId, label, createdAt, recalledAt, report }' })
  @ApiResponse({ status: 404, description: "unknown upload, or another merchant's" })
  async find(@CurrentCaller() caller: Caller, @Param('uploadId') uploadId: string): Promise<UploadView> {
    return ensureVisible(caller, await this.uploads.find(uploadId), 'Upload');
  }

  @Post('uploads/:uploadId/recall')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Withdraw every unsold license of an upload',
    description: `In one transaction under the pool's lock, like withdrawing one license (counters, PoolLow alerts). Answers { uploadId, withdrawn, alreadyWithdrawn, ${SOLD_DOC} }. Recalling again withdraws nothing more and answers the same sold ones.`,
  })
  @ApiResponse({ status: 200, description: '{ uploadId, withdrawn, alreadyWithdrawn, sold }' })
  @ApiResponse({ status: 404, description: "unknown upload, or another merchant's" })
  async recall(@CurrentCaller() caller: Caller, @Param('uploadId') uploadId: string): Promise<Recall> {
    const upload = ensureVisible(caller, await this.uploads.find(uploadId), 'Upload');
    return this.uploads.recall(upload, caller.keyId);
  }

  @Post('pools/:poolId/licenses/withdraw')
  @HttpCode(200)
  @ApiOperation({
    summary: "Withdraw a pool's licenses by value",
    description: `Values are matched by their keyed hash (NFKC form, letter case kept), never stored or logged. Answers { withdrawn, alreadyWithdrawn, ${SOLD_DOC}, notFound: { count, indexes } } (indexes: positions in values, from 0).`,
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['values'],
      additionalProperties: false,
      properties: { values: { type: 'array', minItems: 1, maxItems: BULK_WITHDRAW_MAX, items: { type: 'string', minLength: 1, maxLength: 2048 } } },
    },
  })
  @ApiResponse({ status: 200, description: '{ withdrawn, alreadyWithdrawn, sold, notFound }' })
  @ApiResponse({ status: 400, description: 'no values, over 1,000, or one empty or over 2,048 characters' })
  @ApiResponse({ status: 404, description: "unknown pool, or another merchant's pool" })
  @ApiResponse({ status: 413, description: 'the body is over the 100 kB JSON limit: send fewer values per call' })
  async withdraw(@CurrentCaller() caller: Caller, @Param('poolId') poolId: string, @Body() body: unknown): Promise<BulkWithdrawal> {
    const pool = await visiblePool(this.pools, caller, poolId);
    const { values } = parseWithdrawBody(body);
    return this.uploads.withdrawValues(pool, values, caller.keyId);
  }
}
