import { ApiProperty } from '@nestjs/swagger';
import { VIOLATION_KINDS, type ViolationKind } from '../../auth/violations/violation-policy.js';

export class BannedUserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  email: string;
}

/** A timed ban of a user or of a client address. */
export class BanDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['user', 'address'] })
  subject: 'user' | 'address';

  @ApiProperty({ type: BannedUserDto, nullable: true, description: 'The banned user' })
  user: BannedUserDto | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '3f1a9c…',
    description:
      'For an address ban: the SHA-256 of the address (IPv6: of its /56), as stored; ' +
      'the address itself is never kept',
  })
  address_hash: string | null;

  @ApiProperty({ description: 'Which ban of this user or address it is: the step of ban_ladder' })
  strike: number;

  @ApiProperty({ enum: VIOLATION_KINDS, description: 'The violation that reached the threshold' })
  reason: ViolationKind;

  @ApiProperty({ type: String, format: 'date-time' })
  banned_at: string;

  @ApiProperty({ type: String, format: 'date-time' })
  banned_until: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lifted_at: string | null;
}

export class BanPageDto {
  @ApiProperty({ type: [BanDto] })
  items: BanDto[];

  @ApiProperty()
  page: number;

  @ApiProperty()
  page_size: number;

  @ApiProperty()
  has_more: boolean;
}
