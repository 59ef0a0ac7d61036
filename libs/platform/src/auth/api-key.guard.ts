import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiKeyRegistry } from './api-keys';
import { Caller, CheckoutCaller, KeyHolder } from './caller';

export const API_KEY_REGISTRY = Symbol('API_KEY_REGISTRY');

type AuthenticatedRequest = Request & { caller?: Caller; checkout?: CheckoutCaller };

const PUBLIC_ROUTE = 'keypool:public-route';

/**
 * Marks a controller or handler that answers without an API key. The allow-list is exactly
 * the controllers that carry it (health and metrics, for probes and scrapers; /docs is served
 * by Swagger outside Nest's routing). Everything else needs a key, whatever its path.
 */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

const CHECKOUT_ROUTE = 'keypool:checkout-route';

/**
 * Marks the one kind of handler a checkout key may call: an order page. Every other route
 * answers a checkout key 403, so a new route is closed to it until someone marks it. The
 * handler reads its caller with @CurrentKeyHolder() and must scope it to its merchant.
 */
export const CheckoutRoute = () => SetMetadata(CHECKOUT_ROUTE, true);

/** Guards every route except those marked @PublicRoute(): deny by default, not by path prefix. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(API_KEY_REGISTRY) private readonly keys: ApiKeyRegistry,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('Send your API key as "Authorization: Bearer <api key>"');
    const holder = this.keys.resolveHolder(match[1]);
    if (!holder) throw new UnauthorizedException('This API key is not recognised; check it or ask support for a new one');
    if (holder.kind !== 'checkout') request.caller = holder;
    else if (this.reflector.getAllAndOverride<boolean>(CHECKOUT_ROUTE, [context.getHandler(), context.getClass()])) request.checkout = holder;
    else
      throw new ForbiddenException('A checkout key reads order pages only (GET /v1/orders/{orderId}/order-page); this route needs a merchant or support key');
    return true;
  }
}

/** The authenticated caller of the current request (set by ApiKeyGuard). */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new UnauthorizedException('Send your API key as "Authorization: Bearer <api key>"');
  return caller;
});

/** The caller of a @CheckoutRoute(): a checkout, or a merchant or support key (set by ApiKeyGuard). */
export const CurrentKeyHolder = createParamDecorator((_: unknown, context: ExecutionContext): KeyHolder => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  const holder = request.checkout ?? request.caller;
  if (!holder) throw new UnauthorizedException('Send your API key as "Authorization: Bearer <api key>"');
  return holder;
});
