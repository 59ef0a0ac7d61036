import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ConfigurationError } from '../config/validate-env';
import { useBodyParsers } from './body-parsers';

export interface ServiceDescription {
  title: string;
  description: string;
  port: number;
}

/**
 * The Express adapter every service (and every test app) is created with. Paths are
 * case-sensitive: /V1/pools is not /v1/pools but a 404, so no spelling of a path can reach a
 * handler by another route. Express reads the setting when it creates its router, so it must
 * be set before Nest registers anything.
 */
export function httpAdapter(): ExpressAdapter {
  const app = express();
  app.set('case sensitive routing', true);
  return new ExpressAdapter(app);
}

/**
 * Applies what every service shares to an app: body parsing, /v1, OpenAPI at /docs, JSON
 * errors, shutdown hooks. The app must be created with `bodyParser: false`.
 */
export function configureHttp(app: INestApplication, service: Omit<ServiceDescription, 'port'>): void {
  useBodyParsers(app);
  app.setGlobalPrefix('v1', { exclude: ['health/live', 'health/ready', 'metrics'] });
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(service.title)
      .setDescription(service.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key of a merchant or of support' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/**
 * Starts a service. The module is built lazily so that a configuration error stops the
 * process with one readable message (naming the setting) instead of a stack trace.
 */
export async function bootstrapService(module: () => Type<unknown> | DynamicModule, service: ServiceDescription): Promise<INestApplication> {
  try {
    const app = await NestFactory.create(module(), httpAdapter(), { bufferLogs: true, bodyParser: false });
    app.useLogger(app.get(Logger));
    configureHttp(app, service);
    await app.listen(Number(process.env['PORT'] ?? service.port), '0.0.0.0');
    return app;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`${service.title} cannot start. ${error.message}\n`);
    } else {
      process.stderr.write(`${service.title} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
    process.exit(1);
  }
}
