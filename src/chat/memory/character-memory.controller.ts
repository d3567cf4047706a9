import { RateLimit } from '../../auth/rate-limit/rate-limits.js';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../../common/auth/auth-user.js';
import { ErrorResponseDto } from '../../common/http/error-response.dto.js';
import {
  CharacterMemoryListDto,
  CharacterMemoryResponseDto,
  CreateMemoryDto,
  ListMemoriesQueryDto,
  ParseMemoryIdPipe,
  UpdateMemoryDto,
} from './character-memory.dto.js';
import { CharacterMemoryService } from './character-memory.service.js';

const CharacterId = () => Param('id', new ParseUUIDPipe());
const MemoryId = () => Param('memory_id', new ParseMemoryIdPipe());
const ApiMemoryId = () =>
  ApiParam({ name: 'memory_id', type: Number, description: 'One of my memories' });

/** What a character remembers about me: my own facts only, whoever owns the character. */
@ApiTags('characters')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('characters')
export class CharacterMemoryController {
  constructor(private readonly memories: CharacterMemoryService) {}

  @Get(':id/memories')
  @Authenticated()
  @ApiOperation({
    summary: 'What the character remembers about me',
    description: 'Learned from my chats with it after replies, or written by me.',
  })
  @ApiOkResponse({ type: CharacterMemoryListDto })
  list(
    @CharacterId() id: string,
    @Query() query: ListMemoriesQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<CharacterMemoryListDto> {
    return this.memories.list(user, id, query.history === true);
  }

  @Post(':id/memories')
  @Authenticated()
  @RateLimit('storyEdit')
  @ApiOperation({ summary: 'Tell the character something to remember about me' })
  @ApiCreatedResponse({ type: CharacterMemoryResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such character' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'I already keep 200 memories of this character (superseded ones not counted)',
  })
  create(
    @CharacterId() id: string,
    @Body() dto: CreateMemoryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<CharacterMemoryResponseDto> {
    return this.memories.create(user, id, dto);
  }

  @Patch(':id/memories/:memory_id')
  @Authenticated()
  @RateLimit('storyEdit')
  @ApiMemoryId()
  @ApiOperation({ summary: 'Edit or pin one of my memories' })
  @ApiOkResponse({ type: CharacterMemoryResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such memory of mine' })
  update(
    @CharacterId() id: string,
    @MemoryId() memoryId: number,
    @Body() dto: UpdateMemoryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<CharacterMemoryResponseDto> {
    return this.memories.update(user, id, memoryId, dto);
  }

  @Delete(':id/memories/:memory_id')
  @Authenticated()
  @RateLimit('storyEdit')
  @HttpCode(204)
  @ApiMemoryId()
  @ApiOperation({ summary: 'Forget one of my memories (and its history)' })
  @ApiNoContentResponse({ description: 'Forgotten' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such memory of mine' })
  async delete(
    @CharacterId() id: string,
    @MemoryId() memoryId: number,
    @CurrentUser() user: AuthUser,
  ): Promise<void> {
    await this.memories.delete(user, id, memoryId);
  }
}
