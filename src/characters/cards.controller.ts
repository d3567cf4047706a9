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
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated, Guest } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { CardsService } from './cards.service.js';
import { ExportQueryDto } from './dto/character-query.dto.js';
import { CharacterResponseDto } from './dto/character-response.dto.js';

const CARD_FILE_MAX_BYTES = 10 * 1024 * 1024;

@ApiTags('characters')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('characters')
export class CardsController {
  constructor(private readonly cards: CardsService) {}

  @Post('import')
  @Authenticated()
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: CARD_FILE_MAX_BYTES, files: 1 } }))
  @ApiOperation({
    summary: 'Import a SillyTavern card (V1, V2 or V3) as a private draft',
    description:
      'Either multipart with a .png or .json card in `file`, or the card itself as the JSON body.',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
        { type: 'object', description: 'A chara_card_v2 / chara_card_v3 object or a V1 card' },
      ],
    },
  })
  @ApiCreatedResponse({ type: CharacterResponseDto })
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
  @ApiOperation({ summary: 'Export as a SillyTavern card: JSON, or PNG with the card embedded' })
  @ApiProduces('application/json', 'image/png')
  @ApiOkResponse({ description: 'The card file' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async export(
    @Param('id') id: string,
    @Query() query: ExportQueryDto,
    @CurrentUser() viewer: AuthUser | null,
    @Res() res: Response,
  ): Promise<void> {
    const card = await this.cards.export(id, viewer, query.format ?? 'json', query.spec ?? 'v2');
    res
      .status(200)
      .type(card.contentType)
      .attachment(card.fileName)
      .setHeader('Cache-Control', 'private, no-cache');
    res.end(card.body);
  }
}
