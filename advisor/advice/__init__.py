"""The advice: the use case, the questionnaire, and the strategy rules engine.

Reads a ``UseCase`` (answered or measured) and the rules in ``rules/strategy.toml``;
never reads raw data. The linter's facts arrive as a plain dictionary.
"""
