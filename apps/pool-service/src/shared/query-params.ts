import { BadRequestException } from '@nestjs/common';

export function flag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new BadRequestException(`${name} must be true or false`);
}

export function pageLimit(value: string | undefined, fallback = 100, max = 1000): number {
  if (value === undefined || value === '') return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new BadRequestException(`limit must be a whole number from 1 to ${max}`);
  return limit;
}

export function cursor(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,18}$/.test(value)) throw new BadRequestException('after must be the nextCursor of a previous page');
  return value;
}

export function oneOfValues<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new BadRequestException(`${name} must be one of ${allowed.join(', ')}`);
  return value as T;
}
