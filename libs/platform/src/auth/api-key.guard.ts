import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyRegistry } from './api-keys';
import { Caller } from './caller';

export const API_KEY_REGISTRY = Symbol('API_KEY_REGISTRY');

type AuthenticatedRequest = Request & { caller?: Caller };

/** Guards every /v1 route; health, metrics and docs stay open for probes and scrapers. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(API_KEY_REGISTRY) private readonly keys: ApiKeyRegistry) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.path.startsWith('/v1/')) return true;
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
