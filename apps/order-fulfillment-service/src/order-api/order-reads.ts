import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Caller, SecretBox } from '@keypool/platform';
import { OrderPage, listOrders } from './order-list.handler';
import type { OrderListQuery } from './order-list-query';
import { OrderView, readOrder } from './order-view.handler';

/** The order API's reads: the controller parses and maps to HTTP, this queries. */
@Injectable()
export class OrderReads {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: SecretBox,
  ) {}

  list(query: OrderListQuery): Promise<OrderPage> {
    return listOrders(this.dataSource.manager, query);
  }

  /** Undefined for an unknown order and for another merchant's. */
  read(caller: Caller, orderId: string): Promise<OrderView | undefined> {
    return readOrder(this.dataSource.manager, this.cipher, caller, orderId);
  }
}
