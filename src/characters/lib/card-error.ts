/** A card that cannot be imported; the message says what is wrong, in terms of the card. */
export class CardError extends Error {
  override readonly name = 'CardError';
}
