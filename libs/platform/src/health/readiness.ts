import { Injectable } from '@nestjs/common';

/** A dependency readiness depends on: the database, the Kafka producer, each consumer. */
export interface ReadinessProbe {
  readonly name: string;
  check(): Promise<{ up: boolean; detail?: string }>;
}

/** Components register their probes here, so readiness turns red when any one of them fails. */
@Injectable()
export class ReadinessRegistry {
  private readonly probes: ReadinessProbe[] = [];

  register(probe: ReadinessProbe): void {
    this.probes.push(probe);
  }

  all(): readonly ReadinessProbe[] {
    return this.probes;
  }
}
