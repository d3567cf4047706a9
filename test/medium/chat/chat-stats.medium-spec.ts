import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { ChatCaller } from '../../../src/chat/chat-caller.js';
import { ChatModule } from '../../../src/chat/chat.module.js';
import { ChatService } from '../../../src/chat/chat.service.js';
import { publicCharacter } from '../../chat/chat-support.js';
import { createMediumModule, type MediumModule } from '../../support/medium.js';
import { createUser, type TestUser } from '../../support/users.js';

/** The chat numbers of the public stats (src/seo/stats.service.ts), read from ChatService. */
describe('chat stats (ChatService.countMessages)', () => {
  let t: MediumModule;
  let chats: ChatService;
  let character: { id: string };

  beforeAll(async () => {
    t = await createMediumModule({ imports: [ChatModule] });
    chats = t.app.get(ChatService);
    const owner = await createUser(t);
    character = await publicCharacter(t, owner, { name: 'Mira' });
  });

  afterAll(async () => {
    await t?.close();
  });

  const callerOf = (user: TestUser, role: 'user' | 'admin' = 'user'): ChatCaller => ({
    user: { id: user.id, email: user.email, role, tier: role === 'admin' ? 'admin' : 'free' },
  });

  /** A new chat: its greeting is its one message. */
  const open = (caller: ChatCaller) =>
    chats.create({ character_id: character.id, force_new: true }, caller);

  it('counts messages for public stats without those of admins and guests', async () => {
    const before = await chats.countMessages();
    const admin = await createUser(t, { role: 'admin' });
    await open(callerOf(admin, 'admin'));
    await open({ user: null, guestSession: randomUUID() });
    expect(await chats.countMessages()).toBe(before);
    await open(callerOf(await createUser(t)));
    expect(await chats.countMessages()).toBe(before + 1);
  });
});
