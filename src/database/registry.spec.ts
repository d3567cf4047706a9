import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from '../../migrations/index.js';
import { entities } from './entities.js';

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );

describe('schema registries', () => {
  it('lists every migration file in migrations/index.ts, in timestamp order', () => {
    const files = readdirSync('migrations').filter((file) => /^\d+-.+\.ts$/.test(file));
    const classNames = files
      .sort()
      .map((file) => /export class (\w+)/.exec(readFileSync(join('migrations', file), 'utf8'))![1]);
    expect(migrations.map((migration) => migration.name)).toEqual(classNames);
  });

  it('lists every entity in src/database/entities.ts for the migration CLI', () => {
    const declared = walk('src')
      .filter((file) => file.endsWith('.entity.ts'))
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/@Entity\([^)]*\)\s*export class (\w+)/g)].map(
          (match) => match[1],
        ),
      );
    expect(entities.map((entity) => entity.name).sort()).toEqual(declared.sort());
  });
});
