import { Controller, Delete, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AdminBansService } from './admin-bans.service.js';
import { BanDto, BanPageDto } from './dto/ban.dto.js';
import { AdminPageQueryDto } from './dto/page-query.dto.js';
import { UuidParam } from './uuid-param.js';

@ApiTags('admin')
@AdminOnly()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('admin/bans')
export class AdminBansController {
  constructor(private readonly bans: AdminBansService) {}

  @Get()
  @ApiOperation({
    summary: 'Bans in force, newest first: the user or address, strike, reason and end',
  })
  @ApiOkResponse({ type: BanPageDto })
  list(@Query() query: AdminPageQueryDto): Promise<BanPageDto> {
    return this.bans.list(query);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Lift a ban in force',
    description:
      'At once on this instance, within 5 s on the others; the score of its user or address ' +
      'starts again from 0 and the ban does not count toward the ladder. Audited (`ban.lift`).',
  })
  @ApiOkResponse({ type: BanDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such ban' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The ban already ended' })
  lift(@UuidParam('id') id: string, @CurrentUser() admin: AuthUser): Promise<BanDto> {
    return this.bans.lift(admin, id);
  }
}
