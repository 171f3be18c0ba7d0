"""Similarity maths: MinHash signatures, pair and cluster logic, sentence embeddings.

Knows nothing of datasets or findings: it takes arrays and texts and returns
pairs, clusters and vectors, so the linter and the benchmarks share it.
"""
