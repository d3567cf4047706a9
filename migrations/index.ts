// Every migration, in order. TypeORM's glob loading does not behave the same under the
// compiled app, the CLI and ESM Jest, so migrations are listed explicitly: add new ones here
// (a unit test fails when a file in this folder is missing from the list).
import { Foundation1763800000000 } from './1763800000000-Foundation.js';

export const migrations: Function[] = [Foundation1763800000000];
