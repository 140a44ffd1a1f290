export * from './codec';
export * from './envelope';
export * from './connection';
export * from './provision';
export * from './publisher';
export * from './consumer';
export * from './bus.module';
export * from './service';
