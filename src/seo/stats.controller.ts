import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/access.decorators.js';
import { StatsDto } from './dto/stats.dto.js';
import { StatsService } from './stats.service.js';

@ApiTags('stats')
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @Public()
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOperation({
    summary: 'Public counters: users, messages, characters and users online now',
    description:
      'users and messages include the display offsets of the stats_users_offset and ' +
      'stats_messages_offset settings; admins and the platform’s own accounts are not counted. ' +
      'Counts are refreshed at most once a minute.',
  })
  @ApiOkResponse({ type: StatsDto })
  get(): Promise<StatsDto> {
    return this.stats.stats();
  }
}
