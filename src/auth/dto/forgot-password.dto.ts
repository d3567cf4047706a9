import { EmailField } from './fields.js';

export class ForgotPasswordDto {
  @EmailField()
  email: string;
}
