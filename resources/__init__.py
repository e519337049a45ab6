"""Static resources (icons, style sheet, desktop file)."""

from pathlib import Path

RESOURCE_DIR = Path(__file__).resolve().parent
