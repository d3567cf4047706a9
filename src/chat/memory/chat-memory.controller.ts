import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnonSession } from '../../common/auth/anon-session.js';
import { Guest } from '../../common/auth/access.decorators.js';
import { ErrorResponseDto } from '../../common/http/error-response.dto.js';
import { Caller, type ChatCaller } from '../chat-caller.js';
import { ApiChatNotFound, ChatId } from '../chat-route.decorators.js';
import { ChatMemoryResponseDto, UpdateChatMemoryDto } from './chat-memory.dto.js';
import { ChatMemoryService } from './chat-memory.service.js';

/** What a chat remembers beyond the messages its prompt carries, as its owner sees and edits it. */
@ApiTags('chats')
@ApiAnonSession('Guests (no token): their session id, a UUID; required for guest chats')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('chats')
export class ChatMemoryController {
  constructor(private readonly memory: ChatMemoryService) {}

  @Get(':id/memory')
  @Guest()
  @ApiOperation({
    summary: "The chat's memory: summary, pinned notes, author's note",
    description: 'Only the chat’s owner sees it.',
  })
  @ApiOkResponse({ type: ChatMemoryResponseDto })
  @ApiChatNotFound()
  get(@ChatId() id: string, @Caller() caller: ChatCaller): Promise<ChatMemoryResponseDto> {
    return this.memory.get(id, caller);
  }

  @Put(':id/memory')
  @Guest()
  @ApiOperation({
    summary: "Change the chat's memory: rewrite the summary, pin notes",
    description:
      'A field left out stays as it is. A summary the user writes is kept: the summarizer ' +
      'folds later messages into it. pinned_notes replaces the list (ids keep their notes).',
  })
  @ApiOkResponse({ type: ChatMemoryResponseDto })
  @ApiChatNotFound()
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: "Invalid, or more or longer pinned notes than the caller's tier allows",
  })
  update(
    @ChatId() id: string,
    @Body() dto: UpdateChatMemoryDto,
    @Caller() caller: ChatCaller,
  ): Promise<ChatMemoryResponseDto> {
    return this.memory.update(id, dto, caller);
  }
}
