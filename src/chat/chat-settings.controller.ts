import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiAnonSession } from '../common/auth/anon-session.js';
import { Authenticated, Guest } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { Caller, type ChatCaller } from './chat-caller.js';
import { ChatMembersService } from './chat-members.service.js';
import { ChatSettingsService } from './chat-settings.service.js';
import { ChatResponseDto } from './dto/chat.dto.js';
import {
  ChatSettingsDto,
  ChatSettingsResponseDto,
  MuteMemberDto,
  ReorderMembersDto,
} from './dto/chat-settings.dto.js';
import { ApiChatNotFound, ChatId } from './chat-route.decorators.js';

/** How a chat's replies are written (its settings) and who of its members speaks, in what order. */
@ApiTags('chats')
@ApiAnonSession('Guests (no token): their session id, a UUID; required for guest chats')
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('chats')
export class ChatSettingsController {
  constructor(
    private readonly settings: ChatSettingsService,
    private readonly members: ChatMembersService,
  ) {}

  @Get(':id/settings')
  @Guest()
  @ApiOperation({
    summary: "The chat's settings: model, sampling, reply length, author's note",
    description:
      "null: unset, the default (the character's or the spec's). A new chat starts from my " +
      'preferences (GET /api/me/preferences).',
  })
  @ApiOkResponse({ type: ChatSettingsResponseDto })
  @ApiChatNotFound()
  get(@ChatId() id: string, @Caller() caller: ChatCaller): Promise<ChatSettingsResponseDto> {
    return this.settings.get(id, caller);
  }

  @Put(':id/settings')
  @Guest()
  @ApiOperation({
    summary: "Replace the chat's settings (a field left out is unset)",
    description:
      "Every reply of the chat uses them; a request's own generation options override them " +
      "for that request. The author's note is a system message the prompt carries `depth` " +
      'chat messages from its end (0: after the newest). The model and max_tokens must be ' +
      "within the caller's tier, as a request's: checked again at each reply.",
  })
  @ApiOkResponse({ type: ChatSettingsResponseDto })
  @ApiChatNotFound()
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: "Invalid, or a model or max_tokens beyond the caller's tier",
  })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'A paid provider the cost mode does not open to the caller',
  })
  replace(
    @ChatId() id: string,
    @Body() dto: ChatSettingsDto,
    @Caller() caller: ChatCaller,
  ): Promise<ChatSettingsResponseDto> {
    return this.settings.replace(id, dto, caller);
  }

  @Put(':id/members')
  @Authenticated()
  @ApiOperation({
    summary: "Reorder the chat's members: the same characters in a new speaking order",
    description: 'The first becomes the lead (`character`). Muted members stay muted.',
  })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiChatNotFound()
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: "character_ids is not exactly the chat's members, each once",
  })
  reorder(
    @ChatId() id: string,
    @Body() dto: ReorderMembersDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ChatResponseDto> {
    return this.members.reorder(id, dto.character_ids, { user });
  }

  @Put(':id/members/:character_id')
  @Authenticated()
  @ApiOperation({
    summary: 'Mute or unmute a member: a muted one sits rounds out',
    description:
      'Unless a message names it in `speaker_ids`. One member at least must stay unmuted.',
  })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiNotFoundResponse({
    type: ErrorResponseDto,
    description: 'No such chat of the caller, or the character is not one of its members',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'It is the last unmuted member' })
  setMuted(
    @ChatId() id: string,
    @Param('character_id', new ParseUUIDPipe()) characterId: string,
    @Body() dto: MuteMemberDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ChatResponseDto> {
    return this.members.setMuted(id, characterId, dto.muted, { user });
  }
}
