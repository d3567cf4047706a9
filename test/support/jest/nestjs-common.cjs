/* global module */
// Stand-in for require('@nestjs/common'): see resolver.mjs.
module.exports = globalThis[Symbol.for('nest-esm-bridge')]['@nestjs/common'];
