import { Type, type Static, type TSchema } from '@sinclair/typebox';

// The contract says optional means "absent or null"; one helper keeps that
// rule identical in every event.
export const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

// A plain `enum` rather than TypeBox's union of literals, so a wrong value
// yields one "must be one of" message instead of one per literal.
export const StringEnum = <const T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

/** Ids keypool or its operators assign: event ids, pools, licenses, the merchants of PoolLow. */
export const Id = Type.String({ minLength: 1, maxLength: 200 });
/** Ids the upstream checkout assigns to an order and its lines (CONTRACT.md, "Limits"). */
export const OrderRef = Type.String({ minLength: 1, maxLength: 128 });
export const Text = (maxLength: number) => Type.String({ maxLength });
export const RequiredText = (maxLength: number) => Type.String({ minLength: 1, maxLength });
/** Names, company, phone, city, zip, country, licenseFor, product names (CONTRACT.md, "Limits"). */
export const Name = Text(200);

export const Currency = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'an ISO 4217 currency code of 3 uppercase letters, e.g. "EUR"',
});

export const DateTime = Type.String({ format: 'date-time', maxLength: 64 });
// 254: the longest address SMTP can carry in a path (RFC 5321 with its errata).
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Url = Type.String({ format: 'uri', maxLength: 2048 });
// Links a customer clicks in an e-mail: plain http would let anyone on the way swap the download.
export const HttpsUrl = Type.String({
  format: 'uri',
  maxLength: 2048,
  pattern: '^https://',
  description: 'an https:// URL',
});

export const Decimal = Type.String({
  maxLength: 32,
  pattern: '^-?[0-9]+(\\.[0-9]+)?$',
  description: 'a decimal number written as a string, e.g. "19.99"',
});

export const Count = Type.Integer({ minimum: 0 });
export const PositiveCount = Type.Integer({ minimum: 1 });

/** The most units one order line may buy, and so the most licenses one line receives. */
export const MAX_QUANTITY = 10_000;
/** The most lines one order may have. */
export const MAX_ORDER_LINES = 100;
export const Quantity = Type.Integer({ minimum: 1, maximum: MAX_QUANTITY });

export const Address = Type.Object({
  country: Nullable(Name),
  city: Nullable(Name),
  zip: Nullable(Name),
  line: Nullable(Text(500)),
});

export const Customer = Type.Object({
  email: Email,
  firstName: Nullable(Name),
  lastName: Nullable(Name),
  locale: Nullable(Text(35)),
  phone: Nullable(Name),
  company: Nullable(Name),
  address: Nullable(Address),
});
export type Customer = Static<typeof Customer>;

export const OrderLine = Type.Object({
  lineId: OrderRef,
  productId: OrderRef,
  productName: RequiredText(200),
  productShortName: Nullable(Name),
  quantity: Quantity,
  unitPrice: Nullable(Decimal),
  lineTotal: Nullable(Decimal),
  instructionsUrl: Nullable(HttpsUrl),
  downloadUrl: Nullable(HttpsUrl),
  additionalInfo: Nullable(Text(10_000)),
});
export type OrderLine = Static<typeof OrderLine>;

/** The most characters of one license, as pool-service imports them. */
export const MAX_LICENSE_LENGTH = 2048;

// A license value is one line of text: a key, or an https link to a file.
export const License = Type.Object({
  licenseId: Id,
  value: Type.String({
    minLength: 1,
    maxLength: MAX_LICENSE_LENGTH,
    pattern: '^[^\\r\\n]+$',
    description: 'a single line of text without line breaks',
  }),
});
export type License = Static<typeof License>;

// {PARENT_KEY}: every license of the renewed order, so up to its lines × units.
export const ParentLicenses = Type.Array(License, { maxItems: MAX_ORDER_LINES * MAX_QUANTITY });

// One order line with its order's context, as both AllocationRequested and LicenseAllocated
// carry it (event-carried state: the receiver never reads the sender's database).
export const OrderLineContext = {
  orderId: OrderRef,
  merchantId: OrderRef,
  lineId: OrderRef,
  productId: OrderRef,
  currency: Currency,
  test: Type.Boolean(),
  paidAt: DateTime,
  licenseFor: Nullable(Name),
  customer: Customer,
  item: OrderLine,
};
