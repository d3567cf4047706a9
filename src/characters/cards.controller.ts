import {
  Body,
  Controller,
  Get,
  Param,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { RateLimit } from '../auth/rate-limit/rate-limits.js';
import { Authenticated, Guest } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { CardExportSlots } from './card-export-slots.js';
import { CARD_FILE_MAX_BYTES, CardsService } from './cards.service.js';
import { ExportQueryDto } from './dto/character-query.dto.js';
import { CharacterResponseDto } from './dto/character-response.dto.js';

@ApiTags('characters')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('characters')
export class CardsController {
  constructor(
    private readonly cards: CardsService,
    private readonly exportSlots: CardExportSlots,
  ) {}

  @Post('import')
  @Authenticated()
  @RateLimit('cardImport')
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: CARD_FILE_MAX_BYTES, files: 1 } }))
  @ApiOperation({
    summary: 'Import a character card (V1, V2 or V3) as a private draft',
    description:
      'Either multipart with a card file in `file` (at most 10 MB): a PNG card (`ccv3` ' +
      'preferred over `chara`), a WebP card (EXIF UserComment), a CharX archive (.charx, or ' +
      'appended to a JPEG as RisuAI writes it) or a JSON card; or the card itself as the JSON ' +
      'body. The card JSON may be at most 1 MB, its lorebook within the lorebook limits. The ' +
      "card's picture (the PNG or WebP, the CharX's main icon, else the JPEG) becomes the " +
      'avatar. Everything the card carries is kept for export. A card tagged NSFW is rated ' +
      'nsfw. 400 names what is wrong, or the accepted formats.',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [
        {
          type: 'object',
          properties: {
            file: {
              type: 'string',
              format: 'binary',
              description: 'A .png, .webp, .charx, .jpg (with CharX appended) or .json card',
            },
          },
        },
        { type: 'object', description: 'A chara_card_v2 / chara_card_v3 object or a V1 card' },
      ],
    },
  })
  @ApiCreatedResponse({ type: CharacterResponseDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description:
      "Refused by moderation: a text field, or the card's picture (or a CharX's picture asset, " +
      '`assets`) with an image classifier configured (`picture: refused by moderation ' +
      '(<category>: <label>)`); nothing is saved',
  })
  import(
    @UploadedFile() file: { buffer: Buffer } | undefined,
    // A card is free-form JSON, validated by the card parser rather than a DTO.
    @Body() body: Record<string, unknown>,
    @CurrentUser() user: AuthUser,
  ): Promise<CharacterResponseDto> {
    return this.cards.import(file?.buffer, body, user);
  }

  @Get(':id/export')
  @Guest()
  @RateLimit('cardExport')
  @ApiOperation({
    summary: 'Export as a character card: JSON, PNG with the card embedded, or CharX',
    description:
      "PNG: the character's own avatar (converted to PNG if needed) carrying the card in " +
      '`chara` (V2), plus `ccv3` for V3. CharX: a ZIP with `card.json` (V3) and the avatar as ' +
      'its main icon. Everything an imported card carried comes back; the lorebook only for ' +
      'its owner and admins. A character whose creator hid its definition is exported for ' +
      'them and admins only (403 for anyone else). Each instance writes a bounded number of ' +
      'exports at once; beyond it, 503 with Retry-After.',
  })
  @ApiProduces('application/json', 'image/png', 'application/zip')
  @ApiOkResponse({ description: 'The card file' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The definition is hidden' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Too many exports' })
  async export(
    @Param('id') id: string,
    @Query() query: ExportQueryDto,
    @CurrentUser() viewer: AuthUser | null,
    @Res() res: Response,
  ): Promise<void> {
    this.exportSlots.take(res);
    const card = await this.cards.export(id, viewer, query.format ?? 'json', query.spec ?? 'v2');
    res
      .status(200)
      .type(card.contentType)
      .attachment(card.fileName)
      .setHeader('Cache-Control', 'private, no-cache')
      .setHeader('Content-Length', card.body.length)
      // Its slot is held until the client has taken it all (or HTTP_SEND_IDLE_TIMEOUT_MS cuts
      // a client that stopped reading).
      .end(card.body);
  }
}
