// Distributed sweeps (Node only; not part of any kernel entry): see docs/distributed.md.
export * from './sweep.js';
export * from './connection.js';
export * from './queue.js';
export * from './cli.js';
