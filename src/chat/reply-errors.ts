import { ConflictException, HttpException, HttpStatus } from '@nestjs/common';
import { LlmRequestFailedError, ProviderUnavailableError } from '../llm/llm.errors.js';
import { CATEGORY_LABELS, type ModerationCategory } from '../moderation/moderation.types.js';
import type { ChatKind } from './entities/chat.entity.js';

/**
 * A reply our output scan stopped (ReplyScreen): nothing of it is saved, and its error event
 * tells every user why, as an upstream's own refusal does.
 */
export class ReplyModerated extends HttpException {
  constructor(readonly category: ModerationCategory) {
    super(
      `The reply was stopped by moderation (${category}: ${CATEGORY_LABELS[category]}): ` +
        'nothing of it was kept',
      HttpStatus.UNPROCESSABLE_ENTITY,
    );
  }
}

/** A round was asked for while the chat's claim is held (one round per chat at a time). */
export const roundInFlight = (kind: ChatKind) =>
  new ConflictException(
    kind === 'group'
      ? 'The characters are still answering in this group chat: wait for them'
      : 'A reply is being written in this chat: wait for it or stop it',
  );

/** Upstream refusals of the content itself: the user should know why, so all see these. */
const MODERATION =
  /moderat|content[ _-]?(policy|filter|management)|flagged|safety (system|filter)|prohibited content/i;

const GENERIC = 'Something went wrong while writing the reply, please try again';
/** Why a provider is off (an admin switch, a billing block) is the platform's business. */
const CHOSEN_UNAVAILABLE =
  'The model you chose is not available right now: pick another or use auto';

/**
 * What the error event of a failed reply says: a moderation refusal (ours or the upstream's)
 * to everyone; the attempt details to admins; to others the client-safe message of the LLM
 * layer's own errors (which name no provider; a provider the user chose by name is only said
 * to be unavailable), or a generic one.
 */
export function replyErrorMessage(error: unknown, isAdmin: boolean): string {
  if (error instanceof ReplyModerated) return error.message;
  const failures = error instanceof LlmRequestFailedError ? error.failures : [];
  const refusal = failures.find((failure) => MODERATION.test(failure.message));
  if (refusal) return `The model refused this message: ${refusal.message.slice(0, 300)}`;
  if (isAdmin) {
    const details = failures
      .map(
        (failure) => `${failure.provider}/${failure.model}: ${failure.kind} (${failure.message})`,
      )
      .join('; ');
    const message = error instanceof Error ? error.message : String(error);
    return details ? `${message} — ${details}` : message;
  }
  if (error instanceof ProviderUnavailableError && error.provider !== 'auto') {
    return CHOSEN_UNAVAILABLE;
  }
  return error instanceof HttpException ? error.message : GENERIC;
}
