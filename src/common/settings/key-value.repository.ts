import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Like, type Repository } from 'typeorm';
import { KeyValueEntity } from './key-value.entity.js';

@Injectable()
export class KeyValueRepository {
  constructor(
    @InjectRepository(KeyValueEntity) private readonly rows: Repository<KeyValueEntity>,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.rows.findOneBy({ key }))?.value;
  }

  async getByPrefix(prefix: string): Promise<Map<string, string>> {
    const rows = await this.rows.findBy({ key: Like(`${prefix.replace(/[\\%_]/g, '\\$&')}%`) });
    return new Map(rows.map((row) => [row.key, row.value]));
  }

  async set(key: string, value: string): Promise<void> {
    await this.rows.upsert({ key, value }, ['key']);
  }

  async delete(key: string): Promise<void> {
    await this.rows.delete({ key });
  }
}
