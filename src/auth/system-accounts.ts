/**
 * The platform's own accounts (the anonymous guest owner anonymous@system.local, the account
 * that owns generated characters) have emails at this reserved domain (RFC 6762 keeps .local
 * off the public DNS, so no real mailbox has it). Public statistics leave them out, and SEO
 * credits their characters to the site rather than to a person.
 */
export const SYSTEM_EMAIL_DOMAIN = 'system.local';

/** The account that owns the platform's own characters (generated ones and the starters). */
export const PLATFORM_EMAIL = `platform@${SYSTEM_EMAIL_DOMAIN}`;

export const isSystemEmail = (email: string): boolean =>
  email.toLowerCase().endsWith(`@${SYSTEM_EMAIL_DOMAIN}`);
