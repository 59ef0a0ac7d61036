import { Type } from '@sinclair/typebox';
import { MAX_ALERT_CONTACTS } from './alert-contacts.handler';

export const AlertContactsBody = Type.Object({
  // Outer bounds of the shape (a 400); the use case's own rules (at most 20 once repeats are
  // dropped, each a valid address) answer a 422 that names the address.
  emails: Type.Array(Type.String({ maxLength: 1000 }), {
    maxItems: 1000,
    examples: [['ops@acme.example']],
    description: `at most ${MAX_ALERT_CONTACTS} addresses once repeats (case-insensitive) are dropped; an empty list turns pool alerts off`,
  }),
});

export const AlertContactsView = Type.Object({ merchantId: Type.String(), emails: Type.Array(Type.String()) });
