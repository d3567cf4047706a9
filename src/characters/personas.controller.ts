import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { CreatePersonaDto, PersonaResponseDto, UpdatePersonaDto } from './dto/persona.dto.js';
import { PersonasService } from './personas.service.js';

@ApiTags('personas')
@Authenticated()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('personas')
export class PersonasController {
  constructor(private readonly personas: PersonasService) {}

  @Get()
  @ApiOperation({ summary: 'My personas, the default first' })
  @ApiOkResponse({ type: [PersonaResponseDto] })
  list(@CurrentUser() user: AuthUser): Promise<PersonaResponseDto[]> {
    return this.personas.list(user);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of my personas' })
  @ApiOkResponse({ type: PersonaResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<PersonaResponseDto> {
    return this.personas.get(user, id);
  }

  @Post()
  @ApiOperation({ summary: 'Create a persona (up to the max_personas setting)' })
  @ApiCreatedResponse({ type: PersonaResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Persona limit reached' })
  create(
    @Body() dto: CreatePersonaDto,
    @CurrentUser() user: AuthUser,
  ): Promise<PersonaResponseDto> {
    return this.personas.create(user, dto);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Edit a persona or make it the default' })
  @ApiOkResponse({ type: PersonaResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  update(
    @Param('id') id: string,
    @Body() dto: UpdatePersonaDto,
    @CurrentUser() user: AuthUser,
  ): Promise<PersonaResponseDto> {
    return this.personas.update(user, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a persona' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  remove(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<void> {
    return this.personas.remove(user, id);
  }
}
