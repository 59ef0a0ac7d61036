import {
  BadRequestException,
  ConflictException,
  HttpException,
  NotFoundException,
  PayloadTooLargeException,
  UnprocessableEntityException,
} from '@nestjs/common';

/**
 * What went wrong in a use case, in the domain's words; the HTTP edge picks the status
 * (`httpErrorOf`). A use case returns these instead of throwing HTTP exceptions or returning
 * status codes, so a consumer or a tool can call it too.
 */
export type DomainError = 'not_found' | 'conflict' | 'invalid' | 'too_large' | 'unprocessable';

/** A refusal: `message` is a sentence saying what to fix; `details` (optional) goes out as the body's `details`. */
export interface Failure<E extends DomainError = DomainError> {
  ok: false;
  error: E;
  message: string;
  details?: unknown;
}

export type Result<T, E extends DomainError = DomainError> = { ok: true; value: T } | Failure<E>;

export function succeed<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<E extends DomainError>(error: E, message: string, details?: unknown): Failure<E> {
  return details === undefined ? { ok: false, error, message } : { ok: false, error, message, details };
}

const exceptions: Record<DomainError, new (body: { message: string; details?: unknown }) => HttpException> = {
  invalid: BadRequestException,
  not_found: NotFoundException,
  conflict: ConflictException,
  too_large: PayloadTooLargeException,
  unprocessable: UnprocessableEntityException,
};

/** The status each domain error answers with, for documentation and tests. */
export const statusOfDomainError: Record<DomainError, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
};

/** The HTTP exception for a refusal; JsonErrorFilter renders it as {statusCode, error, message, details?}. */
export function httpErrorOf(failure: Failure): HttpException {
  const body = failure.details === undefined ? { message: failure.message } : { message: failure.message, details: failure.details };
  return new exceptions[failure.error](body);
}

/** The value of a success, or the refusal thrown as its HTTP exception: what a controller does with a use case's result. */
export function unwrapResult<T>(result: Result<T>): T {
  if (!result.ok) throw httpErrorOf(result);
  return result.value;
}
