export * from './envelope';
export * from './events';
export * from './topology';
export * from './session-events';
export * from './audit-events';
export * from './text';
export * from './bus-permissions';
