import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiKeyRegistry } from './api-keys';
import { Caller } from './caller';

export const API_KEY_REGISTRY = Symbol('API_KEY_REGISTRY');

type AuthenticatedRequest = Request & { caller?: Caller };

const PUBLIC_ROUTE = 'keypool:public-route';

/**
 * Marks a controller or handler that answers without an API key. The allow-list is exactly
 * the controllers that carry it (health and metrics, for probes and scrapers; /docs is served
 * by Swagger outside Nest's routing). Everything else needs a key, whatever its path.
 */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

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
    const caller = this.keys.resolve(match[1]);
    if (!caller) throw new UnauthorizedException('This API key is not recognised; check it or ask support for a new one');
    request.caller = caller;
    return true;
  }
}

/** The authenticated caller of the current request (set by ApiKeyGuard). */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new UnauthorizedException('Send your API key as "Authorization: Bearer <api key>"');
  return caller;
});
