/**
 * Room `metrics`: prom-client registries of a worker (framework and app
 * metrics, hot-path counters read at scrape time) and the supervisor's
 * aggregation of every worker, live and retired.
 */
export * from './metrics-aggregator';
export * from './worker-metrics';
