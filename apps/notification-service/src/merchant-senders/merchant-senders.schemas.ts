import { Type } from '@sinclair/typebox';
import { MAX_EMAIL_LENGTH } from '../email-address';

// Types here, bounds in checkSenderSettings: it trims first, and answers 422 naming what to fix.
export const SenderBody = Type.Object({
  senderName: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      examples: ['Acme Software'],
      description:
        'the From name of your license e-mails (the address stays the platform\'s verified sender), at most 100 characters once trimmed; no line breaks, control characters or "@"; null: the platform\'s name',
    }),
  ),
  replyTo: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      examples: ['support@acme.example'],
      description: `where customers' replies go (Reply-To), one address of at most ${MAX_EMAIL_LENGTH} characters; null: to the platform's sender address`,
    }),
  ),
});

export const SenderView = Type.Object({
  merchantId: Type.String(),
  senderName: Type.Union([Type.String(), Type.Null()]),
  replyTo: Type.Union([Type.String(), Type.Null()]),
  from: Type.String({ description: 'the From header your license e-mails carry, e.g. "Acme Software" <licenses@keypool.example>' }),
});
