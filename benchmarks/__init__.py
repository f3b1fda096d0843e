"""The benchmark harness: ``python -m benchmarks`` prints every figure (see docs/performance.md).

One module per measurement (``bench_criteria``, ``bench_bundles``,
``bench_large``, ``bench_rules``, ``bench_batch``), seeded generators in
``generate`` and shared timing helpers in ``timing``. Nothing here is a test.
"""
