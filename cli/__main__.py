"""``python -m iipeval.cli`` runs the command line."""

from .main import main

main()
