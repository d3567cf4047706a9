import { Global, Module } from '@nestjs/common';
import { SignInEvents } from './sign-in.events.js';

/** In-process events between feature modules that must not import each other. */
@Global()
@Module({ providers: [SignInEvents], exports: [SignInEvents] })
export class EventsModule {}
