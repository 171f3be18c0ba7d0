"""The dataset linter: per-example analysis, file-level folding, duplicates, output.

``advisor.api.lint`` is the entry point for library users; the modules here are
its parts (see ARCHITECTURE.md for which may import which).
"""
