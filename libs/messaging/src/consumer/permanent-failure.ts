/** Thrown by a handler for a message that can never succeed: it goes to the DLQ without retries. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}
