"""The HTML recommendation report and its JSON twin: it consumes the lint report and
the recommendation and decides nothing itself."""
