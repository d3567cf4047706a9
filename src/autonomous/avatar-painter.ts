import { Injectable, Logger } from '@nestjs/common';
import { AVATAR_MAX_BYTES, moderatedImage } from '../characters/avatar-storage.js';
import { defaultAvatarPng } from '../characters/lib/png-card.js';
import { InjectConfig, type AppConfig } from '../config/app-config.js';
import { ModerationService } from '../moderation/moderation.service.js';
import { CATEGORY_LABELS } from '../moderation/moderation.types.js';

const IMAGE_TIMEOUT_MS = 120_000;

export interface Painted {
  image: Buffer;
  /** The image model painted it; false: the default avatar stands in. */
  generated: boolean;
}

/**
 * Avatars for generated characters from OpenAI's images API (spec: DALL-E 3, about $0.04 a
 * day), when OPENAI_API_KEY is set. Without a key, when the API fails or refuses the prompt,
 * or when moderation does not simply allow the image (an image classifier configured: nobody
 * looks at it before it is published), the platform's default avatar stands in: a character
 * is worth more than its picture.
 */
@Injectable()
export class AvatarPainter {
  private readonly logger = new Logger(AvatarPainter.name);

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly moderation: ModerationService,
  ) {}

  async paint(prompt: string, options: { nsfw: boolean }): Promise<Painted> {
    const openai = this.config.llm.providers.openai;
    if (!openai) return { image: defaultAvatarPng(), generated: false };
    const model = this.config.autonomous.imageModel;
    try {
      const response = await fetch(`${openai.baseUrl}/images/generations`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${openai.apiKey}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          model,
          prompt: `Portrait illustration, head and shoulders, fully clothed adult, no text. ${prompt}`,
          n: 1,
          size: '1024x1024',
          // The GPT image models always answer base64 and reject the parameter.
          ...(model.startsWith('dall-e') ? { response_format: 'b64_json' } : {}),
        }),
        signal: AbortSignal.timeout(IMAGE_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as { data?: Array<{ b64_json?: string }> };
      const encoded = body.data?.[0]?.b64_json;
      if (!encoded) throw new Error('the answer holds no b64_json image');
      const image = Buffer.from(encoded, 'base64');
      const typed = moderatedImage(image);
      if (!typed || image.length > AVATAR_MAX_BYTES) {
        throw new Error('the image is not a PNG, JPEG or WebP of at most 5 MB');
      }
      const check = await this.moderation.checkImage(typed, { nsfw: options.nsfw });
      if (check.verdict !== 'allow') {
        const found = check.hits.map((hit) => `${hit.category}: ${CATEGORY_LABELS[hit.category]}`);
        const verdict = check.verdict === 'refuse' ? 'refused it' : 'found it borderline';
        throw new Error(`moderation ${verdict} (${found.join(', ')})`);
      }
      return { image, generated: true };
    } catch (error) {
      this.logger.warn(
        `Avatar not generated (${model}), using the default one: ${(error as Error).message.slice(0, 300)}`,
      );
      return { image: defaultAvatarPng(), generated: false };
    }
  }
}
