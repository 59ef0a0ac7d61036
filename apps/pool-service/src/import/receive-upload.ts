import { BadRequestException, HttpException, PayloadTooLargeException, RequestTimeoutException } from '@nestjs/common';
import type { Request } from 'express';
import { SpoolLimits, SpooledUpload, UploadRefused, spoolUpload } from './upload-spool';

/**
 * The whole body, spooled before any work starts, so a slow client never holds a database
 * connection; a refused upload becomes the 4xx that says why (413, 408 or 400).
 */
export async function receiveUpload(request: Request, limits: SpoolLimits): Promise<SpooledUpload> {
  const declared = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
  try {
    return await spoolUpload(request, Number.isFinite(declared) ? declared : undefined, limits);
  } catch (error) {
    if (!(error instanceof UploadRefused)) throw error;
    // The rest of the body stays unread: the connection closes after the answer instead of draining it.
    request.res?.setHeader('Connection', 'close');
    throw refusalAnswer(error);
  }
}

function refusalAnswer(refused: UploadRefused): HttpException {
  if (refused.refusal === 'too-large') return new PayloadTooLargeException(refused.message);
  if (refused.refusal === 'stalled') return new RequestTimeoutException(refused.message);
  return new BadRequestException(refused.message);
}
