import { ApiProperty } from '@nestjs/swagger';

export class ResetPasswordResponseDto {
  @ApiProperty({ example: 'Your password has been changed. Sign in with the new password.' })
  message: string;

  @ApiProperty({
    description:
      'True when the account had never proven its email (anyone could have registered it): ' +
      'the address now belongs to a fresh, empty account with the new password, and nothing ' +
      'made on the old one (personas, characters, chats, name) came along',
  })
  fresh_account: boolean;
}
