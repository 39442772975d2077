"""``python -m hvlab`` runs the same command line as the ``hvlab`` script."""

from hvlab.cli import main

main()
