"""The training runner: gate, held-out split, backends, evaluation against baselines.

Only the ``classifier`` backend exists so far; ``lora`` and ``export`` are
planned (see the README's status table).
"""
