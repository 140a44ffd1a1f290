export * from './errors';
export * from './ids';
export * from './config';
export * from './logger';
export * from './telemetry';
export * from './health';
export * from './database';
export * from './bootstrap';
