// Cluster tests start real processes, and the reload proofs run for tens of
// seconds under load; jest's 5 s default is for unit tests. (testTimeout in a
// project's config is ignored when jest runs several projects.)
jest.setTimeout(180_000);
