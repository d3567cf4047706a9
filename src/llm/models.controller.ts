import { Controller, Get, Header, Param } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '../common/auth/access.decorators.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { ModelListResponseDto } from './dto/model-list-response.dto.js';
import { LISTED_PROVIDERS } from './models/model-registry.js';
import { ModelsService } from './models.service.js';

@ApiTags('models')
@Controller('models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get(':provider')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: "A provider's models with their quality scores, best first" })
  @ApiParam({ name: 'provider', enum: LISTED_PROVIDERS })
  @ApiOkResponse({ type: ModelListResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Not a listed provider' })
  list(@Param('provider') provider: string): Promise<ModelListResponseDto> {
    return this.models.list(provider);
  }
}
