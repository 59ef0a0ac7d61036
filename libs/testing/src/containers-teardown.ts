// jest globalTeardown for KEYPOOL_STACK=containers: stops what containers-setup.ts started.
import type { ContainerStack } from './containers';

export default async function containersTeardown(): Promise<void> {
  await (globalThis as { keypoolContainers?: ContainerStack }).keypoolContainers?.stop();
}
