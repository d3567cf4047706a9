import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../common/auth/auth-user.js';
import { SettingsService } from '../common/settings/settings.service.js';
import type { CreatePersonaDto, PersonaResponseDto, UpdatePersonaDto } from './dto/persona.dto.js';
import { PersonaResponseDto as PersonaResponse } from './dto/persona.dto.js';
import { generateSlug } from './lib/slug.js';
import { slugFromInput } from './slug-input.js';
import { PersonasRepository } from './personas.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who the user plays in chats: at most `max_personas` each, exactly one default once any exist. */
@Injectable()
export class PersonasService {
  constructor(
    private readonly personas: PersonasRepository,
    private readonly settings: SettingsService,
  ) {}

  async list(user: AuthUser): Promise<PersonaResponseDto[]> {
    return (await this.personas.listByUser(user.id)).map(PersonaResponse.from);
  }

  async get(user: AuthUser, id: string): Promise<PersonaResponseDto> {
    return PersonaResponse.from(await this.findOwned(user.id, id));
  }

  /** For the chat module: the persona snapshot copied into a new chat. */
  async findOwned(userId: string, id: string) {
    const persona = UUID.test(id) ? await this.personas.findOwned(userId, id) : null;
    if (!persona) throw new NotFoundException('Persona not found');
    return persona;
  }

  async create(user: AuthUser, dto: CreatePersonaDto): Promise<PersonaResponseDto> {
    const max = await this.settings.get('max_personas');
    const slug = dto.slug
      ? await this.claimSlug(user.id, dto.slug)
      : await this.freshSlug(user.id, dto.name);
    const created = await this.personas.insertWithinLimit(
      {
        userId: user.id,
        name: dto.name,
        description: dto.description ?? '',
        slug,
        isDefault: dto.is_default ?? false,
      },
      max,
    );
    if (!created) throw new ConflictException(`You can have at most ${max} personas`);
    return PersonaResponse.from(created);
  }

  async update(user: AuthUser, id: string, dto: UpdatePersonaDto): Promise<PersonaResponseDto> {
    const current = await this.findOwned(user.id, id);
    if (dto.is_default === false && current.isDefault) {
      throw new BadRequestException(
        'Make another persona the default instead of unsetting this one',
      );
    }
    const slug =
      dto.slug && dto.slug !== current.slug ? await this.claimSlug(user.id, dto.slug) : undefined;
    const updated = await this.personas.update(user.id, id, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.description !== undefined ? { description: dto.description } : {}),
      ...(slug ? { slug } : {}),
      ...(dto.is_default ? { isDefault: true } : {}),
    });
    if (!updated) throw new NotFoundException('Persona not found');
    return PersonaResponse.from(updated);
  }

  async remove(user: AuthUser, id: string): Promise<void> {
    await this.findOwned(user.id, id);
    await this.personas.delete(user.id, id);
  }

  private async claimSlug(userId: string, input: string): Promise<string> {
    const slug = slugFromInput(input);
    if (await this.personas.slugTaken(userId, slug))
      throw new BadRequestException(`slug '${slug}' is taken`);
    return slug;
  }

  private async freshSlug(userId: string, name: string): Promise<string> {
    for (;;) {
      const slug = generateSlug(name, randomUUID().slice(0, 6), 'persona');
      if (!(await this.personas.slugTaken(userId, slug))) return slug;
    }
  }
}
