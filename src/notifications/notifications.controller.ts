import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated, Guest, Public } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ApiEventStream } from '../common/http/api-event-stream.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { streamSse } from '../common/http/sse.js';
import { DigestService } from './digest.service.js';
import {
  NOTIFICATION_EVENTS,
  NotificationDto,
  NotificationPageDto,
  NotificationQueryDto,
  NotificationsReadDto,
  NotificationStreamQueryDto,
  NotificationStreamTicketDto,
} from './dto/notification.dto.js';
import {
  NotificationSettingsDto,
  UnsubscribedDto,
  UpdateNotificationSettingsDto,
} from './dto/notification-settings.dto.js';
import { NotificationStreamTickets } from './notification-stream-tickets.js';
import { NotificationStreams } from './notification-streams.js';
import { NotificationsService } from './notifications.service.js';

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly streams: NotificationStreams,
    private readonly digests: DigestService,
    private readonly tickets: NotificationStreamTickets,
  ) {}

  @Get()
  @Authenticated()
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Not signed in' })
  @ApiOperation({
    summary: 'My notifications, newest first, a page at a time, with my unread count',
  })
  @ApiOkResponse({ type: NotificationPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A bad cursor or limit' })
  list(
    @Query() query: NotificationQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<NotificationPageDto> {
    return this.notifications.list(user, query);
  }

  @Post('stream-ticket')
  @Authenticated()
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Not signed in' })
  @ApiOperation({
    summary: 'A one-minute ticket to open my notification stream with EventSource (no headers)',
    description:
      'For GET /api/notifications/stream?ticket=…: a browser EventSource cannot send ' +
      'Authorization. The ticket opens my notification stream only, for one minute; EventSource ' +
      'reconnects with the same URL, so a client asks for a new ticket when one is refused.',
  })
  @ApiCreatedResponse({ type: NotificationStreamTicketDto })
  streamTicket(@CurrentUser() user: AuthUser): Promise<NotificationStreamTicketDto> {
    return this.tickets.issue(user.id);
  }

  @Get('stream')
  // Guest: the caller is a signed-in user or a stream ticket, checked below (EventSource
  // sends no Authorization header).
  @Guest()
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'Not signed in, or the ticket is forged, expired or not for this stream',
  })
  @ApiOperation({
    summary: 'New notifications as they are raised (SSE), from whichever server raised them',
    description:
      'Signed in (Authorization), or with `ticket` (POST /api/notifications/stream-ticket) ' +
      'for EventSource. First `ready` with the unread count, then a `notification` event for ' +
      'each one stored (a batched one again when another event joins it). A comment line ' +
      'every 15 s keeps proxies from closing it. At most 5 streams per user per server (429 ' +
      'beyond).',
  })
  @ApiEventStream('A stream of notification events', NOTIFICATION_EVENTS)
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Too many open streams' })
  async stream(
    @Query() query: NotificationStreamQueryDto,
    @CurrentUser() user: AuthUser | null,
    @Res() res: Response,
  ): Promise<void> {
    const userId = query.ticket ? await this.tickets.redeem(query.ticket) : user?.id;
    if (!userId) {
      throw new UnauthorizedException(
        'Sign in, or pass a stream ticket (POST /api/notifications/stream-ticket)',
      );
    }
    const unread = await this.notifications.unreadCount(userId);
    streamSse(res, this.streams.source(userId, unread));
  }

  @Post('read-all')
  @HttpCode(200)
  @Authenticated()
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Not signed in' })
  @ApiOperation({ summary: 'Mark all my notifications read' })
  @ApiOkResponse({ type: NotificationsReadDto })
  readAll(@CurrentUser() user: AuthUser): Promise<NotificationsReadDto> {
    return this.notifications.markAllRead(user);
  }

  @Post(':id/read')
  @HttpCode(200)
  @Authenticated()
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Not signed in' })
  @ApiOperation({ summary: 'Mark one of my notifications read' })
  @ApiParam({ name: 'id', description: 'Notification id (numeric)' })
  @ApiOkResponse({ type: NotificationDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such notification of mine' })
  read(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<NotificationDto> {
    return this.notifications.markRead(user, id);
  }

  @Get('unsubscribe')
  @Public()
  @ApiOperation({
    summary: 'Turn a digest email off with the link it carried (no sign-in needed)',
    description: 'The token is signed by the server; a forged or altered one is a 400.',
  })
  @ApiQuery({ name: 'token', required: true, description: 'The token of the email’s link' })
  @ApiOkResponse({ type: UnsubscribedDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Not a valid unsubscribe token' })
  async unsubscribe(@Query('token') token: unknown): Promise<UnsubscribedDto> {
    const kind = typeof token === 'string' ? await this.digests.unsubscribe(token) : null;
    if (!kind) throw new BadRequestException('This unsubscribe link is not valid');
    return { unsubscribed: kind };
  }
}

@ApiTags('notifications')
@Controller('me/notification-settings')
export class NotificationSettingsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Authenticated()
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Not signed in' })
  @ApiOperation({ summary: 'My notification settings' })
  @ApiOkResponse({ type: NotificationSettingsDto })
  get(@CurrentUser() user: AuthUser): Promise<NotificationSettingsDto> {
    return this.notifications.getSettings(user);
  }

  @Put()
  @Authenticated()
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Not signed in' })
  @ApiOperation({
    summary: 'Change my notification settings (the fields sent)',
    description:
      'Muted types are neither stored nor pushed; digests are emails; the time zone and quiet ' +
      'hours (default 22 → 9) decide when a character may write first.',
  })
  @ApiOkResponse({ type: NotificationSettingsDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'An unknown type or time zone' })
  update(
    @Body() dto: UpdateNotificationSettingsDto,
    @CurrentUser() user: AuthUser,
  ): Promise<NotificationSettingsDto> {
    return this.notifications.updateSettings(user, dto);
  }
}
