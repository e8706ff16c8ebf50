"""Every format that crosses the boundary: JSON backup/restore, CSV, Anki, worksheets."""
