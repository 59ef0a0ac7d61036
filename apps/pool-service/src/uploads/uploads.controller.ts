import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Static } from '@sinclair/typebox';
import { Caller, CurrentCaller, Endpoint, ValidBody, ValidQuery, unwrapResult } from '@keypool/platform';
import { BulkWithdrawal, ListUploads, ReadUpload, Recall, RecallUpload, UploadPage, UploadView, WithdrawByValue } from './uploads.handler';
import { BulkWithdrawalSchema, RecallSchema, UploadPageQuery, UploadPageSchema, UploadViewSchema, WithdrawValuesBody } from './uploads.schemas';

const SOLD_DOC = 'sold: { count, licenses: [{ licenseId, orderId, lineId }] } (the first 1,000 listed; sold licenses stay with their order line)';
const NO_SUCH_UPLOAD = "unknown upload, or another merchant's";
const NO_SUCH_POOL = "unknown pool, or another merchant's pool";

@ApiTags('uploads')
@Controller()
export class UploadsController {
  constructor(
    private readonly listing: ListUploads,
    private readonly reading: ReadUpload,
    private readonly recalling: RecallUpload,
    private readonly withdrawing: WithdrawByValue,
  ) {}

  @Get('pools/:poolId/uploads')
  @Endpoint({
    operationId: 'listUploads',
    summary: "List a pool's uploads, newest first",
    description: 'Each committed import is an upload: its id, label, time and stored report (counts and line numbers, never values).',
    query: UploadPageQuery,
    ok: { schema: UploadPageSchema },
    errors: { 404: NO_SUCH_POOL },
  })
  async list(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @ValidQuery(UploadPageQuery) query: Static<typeof UploadPageQuery>,
  ): Promise<UploadPage> {
    return unwrapResult(await this.listing.list(caller, poolId, query));
  }

  @Get('uploads/:uploadId')
  @Endpoint({
    operationId: 'getUpload',
    summary: 'One upload: its label, time, report and when it was recalled',
    ok: { schema: UploadViewSchema },
    errors: { 404: NO_SUCH_UPLOAD },
  })
  async find(@CurrentCaller() caller: Caller, @Param('uploadId') uploadId: string): Promise<UploadView> {
    return unwrapResult(await this.reading.read(caller, uploadId));
  }

  @Post('uploads/:uploadId/recall')
  @HttpCode(200)
  @Endpoint({
    operationId: 'recallUpload',
    summary: 'Withdraw every unsold license of an upload',
    description: `In one transaction under the pool's lock, like withdrawing one license (counters, PoolLow alerts). Answers { uploadId, withdrawn, alreadyWithdrawn, ${SOLD_DOC} }. Recalling again withdraws nothing more and answers the same sold ones.`,
    ok: { schema: RecallSchema },
    errors: { 404: NO_SUCH_UPLOAD },
  })
  async recall(@CurrentCaller() caller: Caller, @Param('uploadId') uploadId: string): Promise<Recall> {
    return unwrapResult(await this.recalling.recall(caller, uploadId));
  }

  @Post('pools/:poolId/licenses/withdraw')
  @HttpCode(200)
  @Endpoint({
    operationId: 'withdrawLicensesByValue',
    summary: "Withdraw a pool's licenses by value",
    description: `Values are matched by their keyed hash (NFKC form, letter case kept), never stored or logged. Answers { withdrawn, alreadyWithdrawn, ${SOLD_DOC}, notFound: { count, indexes } } (indexes: positions in values, from 0).`,
    body: WithdrawValuesBody,
    ok: { schema: BulkWithdrawalSchema },
    errors: {
      400: 'no values, over 1,000, or one empty or over 2,048 characters',
      404: NO_SUCH_POOL,
      413: 'the body is over the 100 kB JSON limit: send fewer values per call',
    },
  })
  async withdraw(
    @CurrentCaller() caller: Caller,
    @Param('poolId') poolId: string,
    @ValidBody(WithdrawValuesBody) body: Static<typeof WithdrawValuesBody>,
  ): Promise<BulkWithdrawal> {
    return unwrapResult(await this.withdrawing.withdraw(caller, poolId, body.values));
  }
}
