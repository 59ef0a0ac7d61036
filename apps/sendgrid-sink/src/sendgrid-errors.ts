// SendGrid v3 answers every error as {"errors":[{message, field, help}]}.
// Clients (and @sendgrid/mail's ResponseError.toString) read exactly this
// shape, so the sink reproduces it rather than inventing its own.

export interface SendGridError {
  message: string;
  field: string | null;
  help: string | null;
}

export interface SendGridErrorBody {
  errors: SendGridError[];
}

const HELP_BASE = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';

/** A validation error pointing at a request field, with SendGrid's help link style. */
export function fieldError(field: string, message: string, helpAnchor: string): SendGridError {
  return { message, field, help: `${HELP_BASE}#message.${helpAnchor}` };
}

/** An error that is about the request as a whole, not one field. */
export function generalError(message: string): SendGridError {
  return { message, field: null, help: null };
}

export const INVALID_API_KEY: SendGridErrorBody = {
  errors: [generalError('The provided authorization grant is invalid, expired, or revoked')],
};

/** Bodies the real service sends for the statuses fault injection can produce. */
export const FAULT_BODIES: Record<number, SendGridErrorBody> = {
  // A refusal of the request as a whole, as SendGrid answers content it will not send.
  400: { errors: [generalError('Bad Request')] },
  429: { errors: [generalError('too many requests')] },
  500: { errors: [generalError('Internal Server Error')] },
  503: { errors: [generalError('Service Unavailable')] },
};
