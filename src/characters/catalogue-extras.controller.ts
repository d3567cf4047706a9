import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Authenticated, Public } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { CharacterPageDto } from './dto/character-response.dto.js';
import { PageQueryDto } from './dto/engagement.dto.js';
import { EngagementService } from './engagement.service.js';
import { STRUCTURED_TAG_CATEGORIES, STRUCTURED_TAGS } from './lib/structured-tags.js';

class StructuredTagDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  category: string;

  @ApiProperty({ description: 'Label per language (ru, en, es, fr, de, pt, it)' })
  labels: Record<string, string>;
}

class TagRegistryDto {
  @ApiProperty({ description: 'Categories with labels per language' })
  categories: unknown[];

  @ApiProperty({ type: [StructuredTagDto] })
  tags: StructuredTagDto[];
}

// Built once: the registry is constant. Prompt snippets stay server-side.
const TAG_REGISTRY: TagRegistryDto = {
  categories: [...STRUCTURED_TAG_CATEGORIES],
  tags: STRUCTURED_TAGS.map((tag) => ({
    id: tag.id,
    category: tag.category,
    labels: { ...tag.labels },
  })),
};

@ApiTags('characters')
@Controller()
export class CatalogueExtrasController {
  constructor(private readonly engagement: EngagementService) {}

  @Get('tags')
  @Public()
  @Header('Cache-Control', 'public, max-age=3600')
  @ApiOperation({ summary: 'The structured tag registry (33 tags in 5 categories)' })
  @ApiOkResponse({ type: TagRegistryDto })
  tags(): TagRegistryDto {
    return TAG_REGISTRY;
  }

  @Get('me/favorites')
  @Authenticated()
  @ApiOperation({ summary: 'My favorite characters, newest first' })
  @ApiOkResponse({ type: CharacterPageDto })
  favorites(
    @Query() query: PageQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<CharacterPageDto> {
    return this.engagement.favorites(user, query);
  }
}
