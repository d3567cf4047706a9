/* global module */
// Stand-in for require('@nestjs/core'): see resolver.mjs.
module.exports = globalThis[Symbol.for('nest-esm-bridge')]['@nestjs/core'];
