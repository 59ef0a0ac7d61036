import { Type } from '@sinclair/typebox';

const id = (what: string) => Type.String({ minLength: 1, maxLength: 200, description: `the ${what} id, at most 200 characters` });

/** Routes under /orders/{orderId}. */
export const OrderPath = Type.Object({ orderId: id('order') });

/** Routes under /orders/{orderId}/lines/{lineId}. */
export const OrderLinePath = Type.Object({ orderId: id('order'), lineId: id('line') });
