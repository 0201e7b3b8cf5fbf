-- wrk script: each connection waits 10 ms before its next request, so
-- that the load is steady (up to ~800 requests/s per 8 connections) but leaves the cores room for what a test is
-- about (worker boots during reloads), instead of saturating them.
function delay()
  return 10
end
