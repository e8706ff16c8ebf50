"""Deck files: the content format, parsing with file/line errors, syncing into the store."""
