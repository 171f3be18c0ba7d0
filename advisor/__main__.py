"""``python -m advisor``: the same CLI, for launchers that take a module
(``accelerate launch -m advisor train ...``)."""

from advisor.cli import main

if __name__ == "__main__":
    main()
