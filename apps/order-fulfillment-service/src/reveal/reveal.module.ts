import { Module } from '@nestjs/common';
import { RevealLineLicenses } from './reveal-line-licenses.handler';
import { RevealController } from './reveal.controller';

/** The audited reveal of an order line's license values. */
@Module({ controllers: [RevealController], providers: [RevealLineLicenses] })
export class RevealModule {}
