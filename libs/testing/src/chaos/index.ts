export * from './checker';
export * from './explain';
export * from './faults';
export * from './load';
export * from './model';
export * from './recorder';
export * from './run';
export * from './servers';
export type * from './types';
