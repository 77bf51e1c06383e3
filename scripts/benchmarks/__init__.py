"""What ``scripts/bench.py`` runs: ``Extractor.predict`` against the transformers token-classification pipeline.

Each system runs in a fresh Python process on the same checkpoint, documents and batch size, so its peak
resident memory (``ru_maxrss`` of that child, read with ``os.wait4``) is its own: tracemalloc does not see
torch's allocations. A child writes its timings and spans as JSON; the parent compares the spans.

    systems.py     the systems, and one system timed in this process (what a child runs)
    base_model.py  a BERT-base-sized model with random weights, for timing at IndoBERT's size offline
    scoring.py     the documents, their gold spans, span F1 and agreement with the pipeline
    timing.py      the parent: a child per system and round, training and memory runs, the report
    report.py      the report as Markdown
    worker.py      the child's command line (python -m benchmarks.worker)

Not part of the indonews package: ``scripts/bench.py`` imports it from beside itself, as every script
imports ``_common``.
"""
