import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ChallengeResponseDto } from '../dto/challenge-response.dto.js';
import type { ChallengeStore } from './challenge-store.js';
import { newChallenge, POW_DIFFICULTY, POW_TTL_MS, solvesChallenge } from './pow.js';

export const CHALLENGE_STORE = Symbol('CHALLENGE_STORE');

/** Proof of work for registration (spec: auth/pow.py): costs a bot CPU, a person a moment. */
@Injectable()
export class PowService {
  private readonly logger = new Logger(PowService.name);

  constructor(@Inject(CHALLENGE_STORE) private readonly store: ChallengeStore) {}

  async issue(): Promise<ChallengeResponseDto> {
    const challenge = newChallenge();
    await this.guardStore(() => this.store.add(challenge, POW_TTL_MS));
    return { challenge, difficulty: POW_DIFFICULTY, expires_in: POW_TTL_MS / 1000 };
  }

  /** Accepts a solution once; a wrong nonce leaves the challenge usable for another try. */
  async verify(challenge: string, nonce: string): Promise<void> {
    if (!solvesChallenge(challenge, nonce, POW_DIFFICULTY)) {
      throw new BadRequestException('The proof of work is wrong');
    }
    if (!(await this.guardStore(() => this.store.take(challenge)))) {
      throw new BadRequestException('The challenge expired or was already used');
    }
  }

  /** Without its store the check cannot hold, so registration stops rather than opens up. */
  private async guardStore<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      this.logger.warn(`Challenge store unavailable: ${(error as Error).message}`);
      throw new ServiceUnavailableException('Registration is unavailable, please retry shortly');
    }
  }
}
