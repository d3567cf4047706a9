import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../../common/auth/auth-user.js';
import { ErrorResponseDto } from '../../common/http/error-response.dto.js';
import { ApiChatNotFound, ChatId } from '../chat-route.decorators.js';
import { ProactiveChoiceDto, UpdateProactiveChoiceDto } from './proactive.dto.js';
import { ProactiveMessagesService } from './proactive-messages.service.js';

/** A chat's opt-in to proactive messages (issue #21); guests never get them. */
@ApiTags('chats')
@Controller('chats/:id/proactive')
export class ProactiveController {
  constructor(private readonly proactive: ProactiveMessagesService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'Whether and when the character of my chat writes first' })
  @ApiOkResponse({ type: ProactiveChoiceDto })
  @ApiChatNotFound()
  get(@ChatId() id: string, @CurrentUser() user: AuthUser): Promise<ProactiveChoiceDto> {
    return this.proactive.choice(user, id);
  }

  @Put()
  @Authenticated()
  @ApiOperation({
    summary: 'Let the character of my chat write first after I have been away (opt-in)',
    description:
      'After `after_hours` without a message, outside my quiet hours (GET ' +
      '/api/me/notification-settings), the character writes a short message, marked ' +
      '`proactive`, not counted against my messages, and I get a notification. It stops ' +
      'after two unanswered in a row; at most `proactive_messages_daily_cap` a day.',
  })
  @ApiOkResponse({ type: ProactiveChoiceDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'after_hours out of range' })
  @ApiChatNotFound()
  update(
    @ChatId() id: string,
    @Body() dto: UpdateProactiveChoiceDto,
    @CurrentUser() user: AuthUser,
  ): Promise<ProactiveChoiceDto> {
    return this.proactive.choose(user, id, dto.after_hours);
  }
}
