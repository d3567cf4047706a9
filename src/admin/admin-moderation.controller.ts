import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import {
  ModerationQueueItemDto,
  ModerationQueuePageDto,
} from '../moderation/dto/moderation-queue.dto.js';
import { QUEUE_KINDS, type QueueKind } from '../moderation/moderation-queue.repository.js';
import { AdminModerationService } from './admin-moderation.service.js';
import {
  ModerationDecisionDto,
  ModerationQueueQueryDto,
  QueueKindParam,
} from './dto/moderation.dto.js';
import { UuidParam } from './uuid-param.js';

@ApiTags('admin')
@AdminOnly()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('admin/moderation')
export class AdminModerationController {
  constructor(private readonly moderation: AdminModerationService) {}

  @Get('queue')
  @ApiOperation({
    summary:
      'The review queue: characters held for review, flagged chat messages and reports, ' +
      'with scores and excerpts',
  })
  @ApiOkResponse({ type: ModerationQueuePageDto })
  queue(@Query() query: ModerationQueueQueryDto): Promise<ModerationQueuePageDto> {
    return this.moderation.list(query);
  }

  @Post(':kind/:id/decision')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Decide on a queue item: approve, reject (mails the owner), unpublish or delete',
  })
  @ApiParam({ name: 'kind', enum: QUEUE_KINDS })
  @ApiParam({ name: 'id', format: 'uuid', description: 'The queue item id' })
  @ApiOkResponse({ type: ModerationQueueItemDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Nothing waits for this decision' })
  decide(
    @QueueKindParam('kind') kind: QueueKind,
    @UuidParam('id') id: string,
    @Body() dto: ModerationDecisionDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<ModerationQueueItemDto> {
    return this.moderation.decide(admin, kind, id, dto);
  }
}
