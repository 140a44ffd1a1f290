export const SANDBOXES = Symbol('SANDBOXES');
