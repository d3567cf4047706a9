import { Body, Controller, Get, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/access.decorators.js';
import { type AuthUser, CurrentUser } from '../common/auth/auth-user.js';
import { ErrorResponseDto } from '../common/http/error-response.dto.js';
import { AdminUsersService } from './admin-users.service.js';
import { AdminUserDto, AdminUserPageDto, UpdateUserDto, UserQueryDto } from './dto/user.dto.js';
import { UuidParam } from './uuid-param.js';

@ApiTags('admin')
@AdminOnly()
@ApiBadRequestResponse({ type: ErrorResponseDto })
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ApiOperation({
    summary: 'Accounts, newest first; q searches email, display name and released email',
  })
  @ApiOkResponse({ type: AdminUserPageDto })
  list(@Query() query: UserQueryDto): Promise<AdminUserPageDto> {
    return this.users.list(query);
  }

  @Put(':id')
  @ApiOperation({
    summary: 'Change tier or role, or disable an account',
    description:
      'A disabled account cannot sign in (403) and its tokens are refused (401) at once. ' +
      'Admins cannot disable or demote themselves, and only admins listed in ADMIN_EMAILS ' +
      'can disable or demote accounts listed there (403). A role set here lasts until the next ' +
      'sign-in, where ADMIN_EMAILS decides the role again.',
  })
  @ApiOkResponse({ type: AdminUserDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  update(
    @UuidParam('id') id: string,
    @Body() dto: UpdateUserDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<AdminUserDto> {
    return this.users.update(admin, id, dto);
  }
}
