import { Type } from '@sinclair/typebox';
import { MAX_ALERT_CONTACTS } from './alert-contacts.handler';

export const AlertContactsBody = Type.Object({
  emails: Type.Array(Type.String(), {
    examples: [['ops@acme.example']],
    description: `at most ${MAX_ALERT_CONTACTS} addresses once repeats (case-insensitive) are dropped; an empty list turns pool alerts off`,
  }),
});

export const AlertContactsView = Type.Object({ merchantId: Type.String(), emails: Type.Array(Type.String()) });
