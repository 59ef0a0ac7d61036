export * from './postgres';
export * from './kafka';
export * from './secrets';
export * from './service';
export * from './sendgrid-sink';
export * from './service-process';
export * from './tcp-proxy';
export * from './tenant-isolation';
