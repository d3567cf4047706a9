import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CharacterResponseDto } from '../characters/dto/character-response.dto.js';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AdminCharactersService } from './admin-characters.service.js';
import { ReinstateCharacterDto } from './dto/reinstate.dto.js';
import { UuidParam } from './uuid-param.js';

@ApiTags('admin')
@AdminOnly()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('admin/characters')
export class AdminCharactersController {
  constructor(private readonly characters: AdminCharactersService) {}

  @Post(':id/reinstate')
  @HttpCode(200)
  @ApiOperation({
    summary: "Lift a moderator's takedown and, unless publish is false, publish it again",
  })
  @ApiOkResponse({ type: CharacterResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The character is not taken down' })
  reinstate(
    @UuidParam('id') id: string,
    @Body() dto: ReinstateCharacterDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<CharacterResponseDto> {
    return this.characters.reinstate(admin, id, dto);
  }
}
