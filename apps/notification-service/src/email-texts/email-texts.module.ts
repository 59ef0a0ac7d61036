import { Module } from '@nestjs/common';
import { TemplatesModule } from '../templates/templates.module';
import { EmailTextsController } from './email-texts.controller';
import { EmailTexts } from './email-texts.handler';

/** The e-mail text endpoints; sends read the texts with textsFor in their own transaction. */
@Module({ imports: [TemplatesModule], controllers: [EmailTextsController], providers: [EmailTexts], exports: [EmailTexts] })
export class EmailTextsModule {}
