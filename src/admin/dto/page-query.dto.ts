import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const ADMIN_PAGE_SIZE = 50;

/** `?page=&page_size=` of the admin lists. */
export class AdminPageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(1000)
  @IsInt()
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: ADMIN_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(100)
  @IsInt()
  page_size?: number;
}

/** The page and page size a query asks for, with the defaults filled in. */
export const pageOf = (query: AdminPageQueryDto) => ({
  page: query.page ?? 1,
  pageSize: query.page_size ?? ADMIN_PAGE_SIZE,
});
