// Loaded before every test file: publishes the ESM instances of @nestjs/common and
// @nestjs/core for CommonJS packages that require() them (see resolver.mjs).
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';

(globalThis as Record<symbol, unknown>)[Symbol.for('nest-esm-bridge')] = {
  '@nestjs/common': common,
  '@nestjs/core': core,
};
