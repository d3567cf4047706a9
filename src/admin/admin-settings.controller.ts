import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AdminSettingsService } from './admin-settings.service.js';
import {
  MemoryStatusDto,
  ProviderStatusDto,
  SettingDto,
  UpdateSettingDto,
} from './dto/setting.dto.js';

@ApiTags('admin')
@AdminOnly()
@Controller('admin')
export class AdminSettingsController {
  constructor(private readonly settings: AdminSettingsService) {}

  @Get('settings')
  @ApiOperation({ summary: 'Every setting with its value, type, range, default and meaning' })
  @ApiOkResponse({ type: [SettingDto] })
  list(): Promise<SettingDto[]> {
    return this.settings.list();
  }

  @Put('settings/:key')
  @ApiOperation({
    summary: 'Change a setting',
    description:
      'Applies at once on this instance and within 60 s on the others. ' +
      '`provider_enabled.<name>`: false switches the provider off everywhere; true switches ' +
      'it on and lifts an automatic block (after a billing error).',
  })
  @ApiOkResponse({ type: SettingDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: "Unknown setting, or a value that breaks the setting's rule (named)",
  })
  update(
    @Param('key') key: string,
    @Body() dto: UpdateSettingDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<SettingDto> {
    return this.settings.update(admin, key, dto.value);
  }

  @Get('provider-status')
  @ApiOperation({
    summary:
      'Every LLM provider: configured, enabled, automatically blocked, time left, last error',
  })
  @ApiOkResponse({ type: [ProviderStatusDto] })
  providerStatus(): Promise<ProviderStatusDto[]> {
    return this.settings.providerStatus();
  }

  @Get('memory-status')
  @ApiOperation({
    summary: 'How chat memory works here: the recall mode in use (full text, or re-ranked)',
  })
  @ApiOkResponse({ type: MemoryStatusDto })
  memoryStatus(): MemoryStatusDto {
    return this.settings.memoryStatus();
  }
}
