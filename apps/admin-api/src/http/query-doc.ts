import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { openApiSchema } from './zod-schema';

/** Documents a route's query parameters from the zod object that parses them. */
export function DocumentedQuery(schema: z.ZodObject) {
  return applyDecorators(
    ...Object.entries(schema.shape).map(([name, field]) =>
      ApiQuery({
        name,
        required: !(field as z.ZodType).safeParse(undefined).success,
        schema: openApiSchema(field as z.ZodType) as never,
        ...((field as z.ZodType).description && { description: (field as z.ZodType).description }),
      }),
    ),
  );
}
