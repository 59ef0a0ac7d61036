import { Type } from '@sinclair/typebox';
import { MAX_KEY_PATTERN_LENGTH, TRY_LIST_LIMIT } from './key-format';

export const ImportQuery = Type.Object({
  dryRun: Type.Optional(Type.Boolean({ default: false, description: 'report only, store nothing' })),
  strict: Type.Optional(Type.Boolean({ default: false, description: 'store nothing (422 with the report) if any line is rejected' })),
  label: Type.Optional(Type.String({ description: 'a name for this upload, kept with its report: 1–200 characters, no control characters' })),
});

/** The forms an upload may take; documentation only: the body is streamed, never parsed whole. */
export const UploadBody = Type.Union([
  Type.String({ description: 'text/plain: the .txt file itself' }),
  Type.Object({ file: Type.String({ format: 'binary' }) }, { description: 'multipart/form-data: the file in a field named "file"' }),
  Type.Array(Type.String(), { description: 'application/json: an array of strings (read token by token, never whole)' }),
]);

export const ImportReportSchema = Type.Object({
  uploadId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'the upload (GET /v1/uploads/{uploadId}, recall); null when nothing was stored',
  }),
  label: Type.Union([Type.String(), Type.Null()], { description: 'the label sent with ?label=' }),
  added: Type.Integer({ description: 'licenses stored (in a dry run: that would be stored)' }),
  duplicates: Type.Object(
    { count: Type.Integer(), lines: Type.Array(Type.Integer()) },
    { description: 'lines already in the file or known to the merchant; the first 1,000 listed', examples: [{ count: 1, lines: [7] }] },
  ),
  blank: Type.Integer(),
  rejected: Type.Object(
    { count: Type.Integer(), lines: Type.Array(Type.Object({ line: Type.Integer(), reason: Type.String() })) },
    { examples: [{ count: 1, lines: [{ line: 3, reason: 'links must use https://, not http://' }] }] },
  ),
  dryRun: Type.Boolean(),
  strict: Type.Boolean(),
});

export const KeyFormatTryQuery = Type.Object({
  pattern: Type.Optional(
    Type.String({
      maxLength: MAX_KEY_PATTERN_LENGTH,
      description: `the RE2 pattern to try (at most ${MAX_KEY_PATTERN_LENGTH} characters); defaults to the pool keyPattern`,
    }),
  ),
});

export const KeyFormatTrialSchema = Type.Object({
  pattern: Type.String({ examples: ['[A-Z0-9]{5}(-[A-Z0-9]{5}){4}'] }),
  matching: Type.Integer({ description: 'licenses that match the pattern whole' }),
  notMatching: Type.Object(
    { count: Type.Integer(), lines: Type.Array(Type.Integer()) },
    { description: `licenses that do not; the first ${TRY_LIST_LIMIT} line numbers listed`, examples: [{ count: 1, lines: [1] }] },
  ),
  blank: Type.Integer(),
  rejected: Type.Integer({ description: 'lines that are no license whatever the pattern (control or invisible characters, too long, bad links, not UTF-8)' }),
});
