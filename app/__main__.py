"""``python -m skyglass`` runs the same entry point as the ``skyglass`` command."""

from skyglass.cli import console

# Guarded: worker processes (the night log's measurements) import this module again.
if __name__ == "__main__":
    console()
