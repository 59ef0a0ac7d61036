import { MessagingTables1764400000000 } from './1764400000000-messaging-tables';
import { Orders1764400100000 } from './1764400100000-orders';
import { HistoryWithoutForeignKeys1764600000000 } from './1764600000000-history-without-foreign-keys';
import { OrdersByCustomerEmail1764600000001 } from './1764600000001-orders-by-customer-email';
import { OutboxParking1765100000000 } from './1765100000000-outbox-parking';
import { OrderLinesByStatusSince1765200000000 } from './1765200000000-order-lines-by-status-since';
import { RenewalSameCustomer1765600000000 } from './1765600000000-renewal-same-customer';
import { RevealAudit1765600000001 } from './1765600000001-reveal-audit';
import { InboxByAge1766300000001 } from './1766300000001-inbox-by-age';
import { Refunds1766600000001 } from './1766600000001-refunds';
import { OrderLineCounts1766717000000 } from './1766717000000-order-line-counts';
import { RoomForUpdates1767400000311 } from './1767400000311-room-for-updates';

/** In order; TypeORM records each in the migrations table and runs the new ones at start. */
export const fulfillmentMigrations = [
  MessagingTables1764400000000,
  Orders1764400100000,
  HistoryWithoutForeignKeys1764600000000,
  OrdersByCustomerEmail1764600000001,
  OutboxParking1765100000000,
  OrderLinesByStatusSince1765200000000,
  RenewalSameCustomer1765600000000,
  RevealAudit1765600000001,
  InboxByAge1766300000001,
  Refunds1766600000001,
  OrderLineCounts1766717000000,
  RoomForUpdates1767400000311,
];
