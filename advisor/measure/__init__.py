"""Facts measured instead of asked: a probe of the team's documents (what the model
must know, how often it changes, how well it can be retrieved)."""
