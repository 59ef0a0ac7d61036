import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';

export interface ServiceDescription {
  title: string;
  description: string;
  port: number;
}

/** Applies what every service shares to an app: /v1, OpenAPI at /docs, JSON errors, shutdown hooks. */
export function configureHttp(app: INestApplication, service: Omit<ServiceDescription, 'port'>): void {
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

export async function bootstrapService(module: Type<unknown> | DynamicModule, service: ServiceDescription): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureHttp(app, service);
  await app.listen(service.port, '0.0.0.0');
  return app;
}
