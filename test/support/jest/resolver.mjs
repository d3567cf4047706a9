// Jest on Node < 24.9 cannot require() an ES module, while Node itself can. @nestjs/common and
// @nestjs/core 12 are ESM-only, and CommonJS packages built for Nest (@nestjs/throttler 6)
// require() them. Such requires get a stand-in that hands back the ESM instance the app already
// uses (see nest-esm-bridge.ts), so there is one Reflector, one Injectable, one of everything.
import { join } from 'node:path';

const STAND_INS = {
  '@nestjs/common': 'nestjs-common.cjs',
  '@nestjs/core': 'nestjs-core.cjs',
};

export default function resolve(request, options) {
  const requiredFromCommonJs = !(options.conditions ?? []).includes('import');
  if (requiredFromCommonJs && Object.hasOwn(STAND_INS, request)) {
    return join(import.meta.dirname, STAND_INS[request]);
  }
  return options.defaultResolver(request, options);
}
