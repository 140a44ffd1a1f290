import { Router1732100000100 } from './1732100000100-router';

export const routerMigrations = [Router1732100000100];
