import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** The API description, generated from the controllers and their zod schemas. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Clawfleet admin API')
    .setDescription(
      'Provisioning and operations. Every route needs `Authorization: Bearer <key>`; errors are RFC 9457 problem details.',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'API key',
      description: 'An API key: cf_<id>_<secret>',
    })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Serves the description at /openapi.json and a browsable UI at /docs. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => openApiDocument(app), { jsonDocumentUrl: 'openapi.json', raw: ['json'] });
}
