import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AdminPromptsService } from './admin-prompts.service.js';
import { PromptTemplateDto, SetPromptDto } from './dto/prompt.dto.js';

const ApiBadPrompt = () =>
  ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'Unknown key or language, or an invalid text',
  });

@ApiTags('admin')
@AdminOnly()
@Controller('admin/prompts')
export class AdminPromptsController {
  constructor(private readonly prompts: AdminPromptsService) {}

  @Get()
  @ApiOperation({
    summary: 'Every prompt key × language: default, override and which is in effect',
  })
  @ApiOkResponse({ type: [PromptTemplateDto] })
  list(): Promise<PromptTemplateDto[]> {
    return this.prompts.list();
  }

  @Put(':key/:lang')
  @ApiOperation({
    summary: 'Override a prompt text',
    description: 'Applies at once on this instance and within 60 s on the others.',
  })
  @ApiOkResponse({ type: PromptTemplateDto })
  @ApiBadPrompt()
  set(
    @Param('key') key: string,
    @Param('lang') lang: string,
    @Body() dto: SetPromptDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<PromptTemplateDto> {
    return this.prompts.set(admin, key, lang, dto.text);
  }

  @Delete(':key/:lang')
  @ApiOperation({ summary: 'Drop an override: the default text applies again' })
  @ApiOkResponse({ type: PromptTemplateDto })
  @ApiBadPrompt()
  clear(
    @Param('key') key: string,
    @Param('lang') lang: string,
    @CurrentUser() admin: AuthUser,
  ): Promise<PromptTemplateDto> {
    return this.prompts.clear(admin, key, lang);
  }
}
