-- wrk script for bench/ssr.sh: after the run, one line of exact figures (latency in µs),
-- which wrk's own --latency table lacks (it has no p95).
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d non2xx=%d errors=%d p50=%d p95=%d p99=%d\n",
    summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
