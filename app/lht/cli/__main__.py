"""``python -m lht.cli`` = the ``lht`` console script."""

from lht.cli.main import entry_point

if __name__ == "__main__":
    entry_point()
