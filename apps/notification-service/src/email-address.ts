// The same shape SendGrid accepts: something@domain.tld, no spaces (so no CR/LF) or angle brackets.
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:".]+$/;

/** RFC 5321's limit on a forward path. */
export const MAX_EMAIL_LENGTH = 254;

/** An address SendGrid takes as one recipient (or reply-to): one address, no display name, no header tricks. */
export function isMailableAddress(email: string): boolean {
  return email.length <= MAX_EMAIL_LENGTH && EMAIL.test(email);
}
