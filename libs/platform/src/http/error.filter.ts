import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';

/**
 * Every error leaves as {statusCode, error, message}; a message is a sentence a person can
 * act on, so arrays from validation are joined rather than returned raw.
 */
@Catch()
export class JsonErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { statusCode, message, details } = this.describe(exception);
    if (statusCode >= 500) this.logger.error({ err: exception }, 'request failed');
    const body: Record<string, unknown> = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
    if (details) body['details'] = details;
    response.status(statusCode).json(body);
  }

  private describe(exception: unknown): { statusCode: number; message: string; details?: unknown } {
    if (!(exception instanceof HttpException)) {
      return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Something went wrong on our side; please retry' };
    }
    const statusCode = exception.getStatus();
    const raw = exception.getResponse();
    if (typeof raw === 'string') return { statusCode, message: raw };
    const body = raw as { message?: unknown; details?: unknown };
    const message = Array.isArray(body.message) ? body.message.join('; ') : typeof body.message === 'string' ? body.message : exception.message;
    return { statusCode, message, details: body.details };
  }
}
