import { Body, Controller, Get, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ModerationReportDto, ModerationReportPageDto } from '../characters/dto/moderation.dto.js';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AdminReportsService } from './admin-reports.service.js';
import { ReportQueryDto, UpdateReportDto } from './dto/report.dto.js';
import { UuidParam } from './uuid-param.js';

@ApiTags('admin')
@AdminOnly()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('admin/reports')
export class AdminReportsController {
  constructor(private readonly reports: AdminReportsService) {}

  @Get()
  @ApiOperation({ summary: 'Reports, newest first, with the character and the reporter' })
  @ApiOkResponse({ type: ModerationReportPageDto })
  list(@Query() query: ReportQueryDto): Promise<ModerationReportPageDto> {
    return this.reports.list(query);
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Decide on a report: status, note, and optionally unpublish the character',
  })
  @ApiOkResponse({ type: ModerationReportDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  update(
    @UuidParam('id') id: string,
    @Body() dto: UpdateReportDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<ModerationReportDto> {
    return this.reports.update(admin, id, dto);
  }
}
