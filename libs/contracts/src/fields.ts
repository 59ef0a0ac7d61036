import { Type, type Static, type TSchema } from '@sinclair/typebox';

// The contract says optional means "absent or null"; one helper keeps that
// rule identical in every event.
export const Nullable = <T extends TSchema>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()]));

// A plain `enum` rather than TypeBox's union of literals, so a wrong value
// yields one "must be one of" message instead of one per literal.
export const StringEnum = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

export const Id = Type.String({ minLength: 1, maxLength: 200 });
export const Text = (maxLength: number) => Type.String({ maxLength });
export const RequiredText = (maxLength: number) => Type.String({ minLength: 1, maxLength });

export const Currency = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'an ISO 4217 currency code of 3 uppercase letters, e.g. "EUR"',
});

export const DateTime = Type.String({ format: 'date-time', maxLength: 64 });
export const Email = Type.String({ format: 'email', maxLength: 320 });
export const Url = Type.String({ format: 'uri', maxLength: 2048 });

export const Decimal = Type.String({
  pattern: '^-?[0-9]{1,15}(\\.[0-9]{1,10})?$',
  description: 'a decimal number written as a string, e.g. "19.99"',
});

export const Count = Type.Integer({ minimum: 0 });
export const PositiveCount = Type.Integer({ minimum: 1 });

export const Address = Type.Object({
  country: Nullable(Text(100)),
  city: Nullable(Text(200)),
  zip: Nullable(Text(40)),
  line: Nullable(Text(500)),
});

export const Customer = Type.Object({
  email: Email,
  firstName: Nullable(Text(200)),
  lastName: Nullable(Text(200)),
  locale: Nullable(Text(35)),
  phone: Nullable(Text(50)),
  company: Nullable(Text(300)),
  address: Nullable(Address),
});
export type Customer = Static<typeof Customer>;

export const OrderLine = Type.Object({
  lineId: Id,
  productId: Id,
  productName: RequiredText(500),
  productShortName: Nullable(Text(200)),
  quantity: PositiveCount,
  unitPrice: Nullable(Decimal),
  lineTotal: Nullable(Decimal),
  instructionsUrl: Nullable(Url),
  downloadUrl: Nullable(Url),
  additionalInfo: Nullable(Text(10_000)),
});
export type OrderLine = Static<typeof OrderLine>;

// A license value is one line of text: a key, or an https link to a file.
export const License = Type.Object({
  licenseId: Id,
  value: Type.String({
    minLength: 1,
    maxLength: 4096,
    pattern: '^[^\\r\\n]+$',
    description: 'a single line of text without line breaks',
  }),
});
export type License = Static<typeof License>;

// One order line with its order's context, as both AllocationRequested and LicenseAllocated
// carry it (event-carried state: the receiver never reads the sender's database).
export const OrderLineContext = {
  orderId: Id,
  merchantId: Id,
  lineId: Id,
  productId: Id,
  currency: Currency,
  test: Type.Boolean(),
  paidAt: DateTime,
  licenseFor: Nullable(Text(500)),
  customer: Customer,
  item: OrderLine,
};
