import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiPayloadTooLargeResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Authenticated, Guest } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { RateLimit } from '../auth/rate-limit/rate-limits.js';
import { AnonymousCatalogueInterceptor } from './anonymous-catalogue.interceptor.js';
import { AVATAR_MAX_BYTES } from './avatar-storage.js';
import { CharactersService } from './characters.service.js';
import { DraftService } from './draft.service.js';
import { CharacterDraftDto, GenerateDraftDto } from './dto/draft.dto.js';
import { CreateCharacterDto, UpdateCharacterDto } from './dto/character-input.dto.js';
import { CatalogueQueryDto, LangQueryDto } from './dto/character-query.dto.js';
import { CharacterPageDto, CharacterResponseDto } from './dto/character-response.dto.js';
import {
  FavoriteStateDto,
  RelationDto,
  ReportCreatedDto,
  ReportDto,
  VoteDto,
  VoteResultDto,
} from './dto/engagement.dto.js';
import { EngagementService } from './engagement.service.js';

/** The 409 of a create, import or fork past the caller's tier's character count. */
const CHARACTER_LIMIT_REACHED =
  'I keep as many characters as my tier allows (100 free, 1,000 premium)';

@ApiTags('characters')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('characters')
export class CharactersController {
  constructor(
    private readonly characters: CharactersService,
    private readonly engagement: EngagementService,
    private readonly drafts: DraftService,
  ) {}

  @Get()
  @Guest()
  @UseInterceptors(AnonymousCatalogueInterceptor)
  @ApiOperation({
    summary: 'The catalogue: filter, search, sort, paginate',
    description:
      'Anonymous answers come from a per-instance cache: counters may lag up to ' +
      'CATALOGUE_CACHE_TTL_MS (5 s); a character published, hidden, edited or deleted shows at once.',
  })
  @ApiOkResponse({ type: CharacterPageDto })
  list(
    @Query() query: CatalogueQueryDto,
    @CurrentUser() viewer: AuthUser | null,
  ): Promise<CharacterPageDto> {
    return this.characters.list(query, viewer);
  }

  // `:id` like its sibling routes (which also take a slug): OpenAPI treats /{idOrSlug} and
  // /{id} as one path, so two names for it break generated clients.
  @Get(':id')
  @Guest()
  @ApiOperation({ summary: 'One character by id or slug' })
  @ApiParam({ name: 'id', description: "The character's id or its slug" })
  @ApiOkResponse({ type: CharacterResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(
    @Param('id') idOrSlug: string,
    @Query() query: LangQueryDto,
    @CurrentUser() viewer: AuthUser | null,
  ): Promise<CharacterResponseDto> {
    return this.characters.get(idOrSlug, viewer, query.lang);
  }

  @Post()
  @Authenticated()
  @RateLimit('characterWrite')
  @ApiOperation({ summary: 'Create a character (private until it has an avatar)' })
  @ApiCreatedResponse({ type: CharacterResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: CHARACTER_LIMIT_REACHED })
  create(
    @Body() dto: CreateCharacterDto,
    @CurrentUser() user: AuthUser,
  ): Promise<CharacterResponseDto> {
    return this.characters.create(dto, user);
  }

  @Post('generate')
  @Authenticated()
  @RateLimit('generate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Write a character draft from a free-text idea (not saved; counts as a message)',
  })
  @ApiOkResponse({ type: CharacterDraftDto })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: 'The model wrote no valid draft' })
  generate(
    @Body() dto: GenerateDraftDto,
    @CurrentUser() user: AuthUser,
  ): Promise<CharacterDraftDto> {
    return this.drafts.generate(dto, user);
  }

  @Put(':id')
  @Authenticated()
  @RateLimit('characterWrite')
  @ApiOperation({ summary: 'Edit a character (owner or admin)' })
  @ApiOkResponse({ type: CharacterResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  update(
    @Param('id') id: string,
    @Body() dto: UpdateCharacterDto,
    @CurrentUser() user: AuthUser,
  ): Promise<CharacterResponseDto> {
    return this.characters.update(id, dto, user);
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a character (owner or admin)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  remove(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<void> {
    return this.characters.remove(id, user);
  }

  @Post(':id/avatar')
  @Authenticated()
  @RateLimit('avatarUpload')
  @HttpCode(200)
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: AVATAR_MAX_BYTES, files: 1 } }))
  @ApiOperation({ summary: 'Upload the avatar (PNG, JPEG or WebP, at most 5 MB)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } } },
  })
  @ApiOkResponse({ type: CharacterResponseDto })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto })
  @ApiUnprocessableEntityResponse({
    type: ErrorResponseDto,
    description:
      'Refused by moderation (with an image classifier configured, MODERATION_IMAGES): ' +
      '`file: refused by moderation (<category>: <label>)`; nothing is stored',
  })
  uploadAvatar(
    @Param('id') id: string,
    @UploadedFile() file: { buffer: Buffer } | undefined,
    @CurrentUser() user: AuthUser,
  ): Promise<CharacterResponseDto> {
    return this.characters.setAvatar(id, file?.buffer, user);
  }

  @Post(':id/vote')
  @Authenticated()
  @HttpCode(200)
  @ApiOperation({ summary: 'Upvote (1), downvote (-1) or remove my vote (0)' })
  @ApiOkResponse({ type: VoteResultDto })
  vote(
    @Param('id') id: string,
    @Body() dto: VoteDto,
    @CurrentUser() user: AuthUser,
  ): Promise<VoteResultDto> {
    return this.engagement.vote(id, dto.value, user);
  }

  @Post(':id/favorite')
  @Authenticated()
  @HttpCode(200)
  @ApiOperation({ summary: 'Add to my favorites' })
  @ApiOkResponse({ type: FavoriteStateDto })
  favorite(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<FavoriteStateDto> {
    return this.engagement.setFavorite(id, true, user);
  }

  @Delete(':id/favorite')
  @Authenticated()
  @ApiOperation({ summary: 'Remove from my favorites' })
  @ApiOkResponse({ type: FavoriteStateDto })
  unfavorite(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<FavoriteStateDto> {
    return this.engagement.setFavorite(id, false, user);
  }

  @Post(':id/fork')
  @Authenticated()
  @RateLimit('characterWrite')
  @ApiOperation({
    summary: 'Clone a public character into my private draft',
    description: '403 when its creator hid its definition (they and admins may fork it)',
  })
  @ApiCreatedResponse({ type: CharacterResponseDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The definition is hidden' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: CHARACTER_LIMIT_REACHED })
  fork(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<CharacterResponseDto> {
    return this.engagement.fork(id, user);
  }

  @Get(':id/relations')
  @Guest()
  @ApiOperation({ summary: "The character's connections to other characters" })
  @ApiOkResponse({ type: [RelationDto] })
  relations(
    @Param('id') id: string,
    @Query() query: LangQueryDto,
    @CurrentUser() viewer: AuthUser | null,
  ): Promise<RelationDto[]> {
    return this.engagement.relations(id, viewer, query.lang);
  }

  @Post(':id/report')
  @Authenticated()
  @RateLimit('report')
  @ApiOperation({ summary: 'Report a character to the moderators (5 per hour)' })
  @ApiCreatedResponse({ type: ReportCreatedDto })
  report(
    @Param('id') id: string,
    @Body() dto: ReportDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ReportCreatedDto> {
    return this.engagement.report(id, dto, user);
  }
}
