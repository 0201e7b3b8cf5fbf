/**
 * Room `dispatch`: the one path every Shoal handler call takes (timing,
 * error codes, metrics), and the handler table of a listener.
 */
export * from './handler-table';
