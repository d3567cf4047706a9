import { Controller, Get, Header, Param } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Guest } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AllowedModelsResponseDto, ModelListResponseDto } from './dto/model-list-response.dto.js';
import { LISTED_PROVIDERS } from './models/model-registry.js';
import { ModelsService } from './models.service.js';

// What a caller may use depends on its tier: browsers may keep a list, shared caches may not.
const CACHE = 'private, max-age=300';

@ApiTags('models')
@Controller('models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @Guest()
  @Header('Cache-Control', CACHE)
  @Header('Vary', 'Authorization')
  @ApiOperation({
    summary: "The models the caller's tier may name, per listed provider, and its allowlist",
  })
  @ApiOkResponse({ type: AllowedModelsResponseDto })
  listAll(@CurrentUser() user: AuthUser | null): Promise<AllowedModelsResponseDto> {
    return this.models.listAll(user?.tier ?? 'anon');
  }

  @Get(':provider')
  @Guest()
  @Header('Cache-Control', CACHE)
  @Header('Vary', 'Authorization')
  @ApiOperation({
    summary: "A provider's models the caller's tier may name, with quality scores, best first",
  })
  @ApiParam({ name: 'provider', enum: LISTED_PROVIDERS })
  @ApiOkResponse({ type: ModelListResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Not a listed provider' })
  list(
    @Param('provider') provider: string,
    @CurrentUser() user: AuthUser | null,
  ): Promise<ModelListResponseDto> {
    return this.models.list(provider, user?.tier ?? 'anon');
  }
}
