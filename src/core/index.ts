/** The core: domain types, scores, ranking helpers. No I/O; importing it loads no model or database. */
export * from './types.js';
export * from './errors.js';
export * from './scores.js';
export * from './folder-detect.js';
export * from './phash.js';
export * from './duplicate-groups.js';
export * from './filters.js';
export * from './hybrid.js';
export * from './query-syntax.js';
export * from './index-plan.js';
export * from './analyzers.js';
