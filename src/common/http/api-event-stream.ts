import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProduces, getSchemaPath } from '@nestjs/swagger';

/**
 * Documents a `text/event-stream` answer whose `data: <json>` events are one of several DTOs,
 * told apart by their `type` (`{ token: TokenEventDto, … }`): a oneOf with a discriminator, so
 * generated clients get a union they can narrow with `switch (event.type)`.
 */
export const ApiEventStream = (description: string, events: Record<string, Type<unknown>>) =>
  applyDecorators(
    ApiProduces('text/event-stream'),
    ApiExtraModels(...Object.values(events)),
    ApiOkResponse({
      description,
      schema: {
        oneOf: Object.values(events).map((event) => ({ $ref: getSchemaPath(event) })),
        discriminator: {
          propertyName: 'type',
          mapping: Object.fromEntries(
            Object.entries(events).map(([type, event]) => [type, getSchemaPath(event)]),
          ),
        },
      },
    }),
  );
