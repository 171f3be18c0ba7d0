"""Provider data: models, limits and prices from ``rules/providers.toml``, and exact
offline token counts with each provider's chat and tool overhead."""
