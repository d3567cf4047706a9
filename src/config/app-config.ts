import { Inject } from '@nestjs/common';
import type { AppConfig } from './configuration.js';

/** Injection token of the validated, typed configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** `constructor(@InjectConfig() private readonly config: AppConfig)` */
export const InjectConfig = () => Inject(APP_CONFIG);

export type { AppConfig };
