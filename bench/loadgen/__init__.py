"""What the filing throughput benchmarks share: the wrk load generator and the gunicorn server.

- wrk.py runs wrk (Debian package `wrk`) at a fixed concurrency for a fixed time with
  rotate.lua, which sends pre-built requests in turn (each filing by a different consumer or
  with a different text) and prints the latency percentiles and the answers by status.
- server.py starts gunicorn with the repository's gunicorn.conf.py (for this platform and for
  the peer alike) and reads its workers' peak memory.
"""
