import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/auth/access.decorators.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AVATAR_FILE_NAME, AvatarStorage } from './avatar-storage.js';

@ApiTags('characters')
@Controller('avatars')
export class AvatarsController {
  constructor(private readonly avatars: AvatarStorage) {}

  @Get(':file')
  @Public()
  @ApiOperation({
    summary: 'An uploaded avatar; names are unique, so it is cached for a year',
    description:
      'Only ever a re-encoded image: a file stored before uploads were re-encoded is re-encoded ' +
      'in place the first time it is asked for (one that cannot be is not found).',
  })
  @ApiOkResponse({ description: 'The image' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  async serve(@Param('file') file: string, @Res() res: Response): Promise<void> {
    if (!AVATAR_FILE_NAME.test(file)) throw new NotFoundException('Avatar not found');
    // A card's chunks or EXIF kept in a file from before re-encoding must not be served.
    if ((await this.avatars.ensureClean(file)) === 'unusable') {
      throw new NotFoundException('Avatar not found');
    }
    res.sendFile(
      file,
      {
        root: this.avatars.directory,
        immutable: true,
        maxAge: '365d',
        headers: {
          'X-Content-Type-Options': 'nosniff',
          // helmet's same-origin default would keep a frontend on another origin from showing them.
          'Cross-Origin-Resource-Policy': 'cross-origin',
        },
      },
      (error) => {
        if (error && !res.headersSent) {
          res
            .status(404)
            .json({ status_code: 404, error: 'Not Found', message: 'Avatar not found' });
        }
      },
    );
  }
}
