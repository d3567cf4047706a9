import { Body, Controller, Get, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated } from '../../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../../common/auth/auth-user.js';
import { ErrorResponseDto } from '../../common/http/error-response.dto.js';
import { PreferencesDto, UpdatePreferencesDto } from './preferences.dto.js';
import { PreferencesService } from './preferences.service.js';

@ApiTags('preferences')
@Controller('me/preferences')
export class PreferencesController {
  constructor(private readonly preferences: PreferencesService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'My chat preferences: what my new chats start from' })
  @ApiOkResponse({ type: PreferencesDto })
  get(@CurrentUser() user: AuthUser): Promise<PreferencesDto> {
    return this.preferences.get(user);
  }

  @Put()
  @Authenticated()
  @ApiOperation({
    summary: 'Change my chat preferences (the fields sent; null clears model or max_tokens)',
    description:
      "A new chat's settings start from `model` and `max_tokens` (GET /api/chats/{id}/settings); " +
      "`language` is the language new chats are in, `default_persona_id` the persona they're " +
      'played as. Chats already open keep their settings.',
  })
  @ApiOkResponse({ type: PreferencesDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: "Invalid, or a model or max_tokens beyond my tier's",
  })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'A paid provider the cost mode does not open to me',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such persona of mine' })
  update(
    @Body() dto: UpdatePreferencesDto,
    @CurrentUser() user: AuthUser,
  ): Promise<PreferencesDto> {
    return this.preferences.update(user, dto);
  }
}
