"""The training runner: gate, held-out split, backends, evaluation against baselines.

Three backends: ``classifier`` (MiniLM + a logistic head), ``lora`` (a small causal
LM with peft, through Accelerate) and ``export`` (provider-ready files and the
commands to submit them). ``runner.run_training`` is the entry point.
"""
