import { Injectable, Logger } from '@nestjs/common';

export interface SignInEvent {
  userId: string;
  /** The guest session the browser used before signing in, when it sent one. */
  anonSession?: string;
}

type SignInListener = (event: SignInEvent) => Promise<void> | void;

/**
 * "Someone signed in" (register, login, Google), so other modules can react without auth
 * knowing them: chat moves the guest's chats to the account. Listeners run before the
 * sign-in answers; one failing is logged and does not fail the sign-in.
 */
@Injectable()
export class SignInEvents {
  private readonly logger = new Logger(SignInEvents.name);
  private readonly listeners: SignInListener[] = [];

  onSignIn(listener: SignInListener): void {
    this.listeners.push(listener);
  }

  async emit(event: SignInEvent): Promise<void> {
    await Promise.all(
      this.listeners.map(async (listener) => {
        try {
          await listener(event);
        } catch (error) {
          this.logger.error(
            `A sign-in listener failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
        }
      }),
    );
  }
}
