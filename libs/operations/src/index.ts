// What support does to the running system, shared by the support CLI and the console:
// reading topics by offset range, and listing, showing and redriving dead letters.
export * from './topic-read';
export * from './dlq/dead-letter';
export * from './dlq/dlq';
