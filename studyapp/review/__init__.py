"""Spaced repetition in use: today's queues, flashcard review and drill practice sessions.

The schedulers themselves (pure functions) are in studyapp.schedulers; every grade is
written through studyapp.store.grades."""
