import { Module } from '@nestjs/common';
import { MerchantTextTemplates } from './merchant-text-template';

/** One MerchantTextTemplates (and its bounded caches) for previews and sends alike. */
@Module({ providers: [MerchantTextTemplates], exports: [MerchantTextTemplates] })
export class TemplatesModule {}
