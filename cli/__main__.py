"""``python -m iipeval.cli`` runs the command line."""

from iipeval.cli.main import main

main()
