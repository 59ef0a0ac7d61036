/**
 * Runs a piece of work whenever woken, never twice at once: a wake-up while it runs asks for
 * exactly one more run after it, however many wake-ups came. The outbox relay and notification's
 * e-mail sender drain their tables this way, woken after each commit and by a timer.
 */
export class CoalescedRuns {
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly mayRun: () => boolean = () => true,
  ) {}

  wake(): void {
    if (!this.mayRun()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.work().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves once the run in progress, if any, has ended. */
  async settled(): Promise<void> {
    await this.running;
  }
}
