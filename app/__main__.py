"""``python -m app`` runs the same entry point as the ``skyglass`` command."""

from app.cli import main

raise SystemExit(main())
