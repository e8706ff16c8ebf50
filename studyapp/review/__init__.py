"""Spaced repetition: the scheduler as pure functions, today's queues, review and drill sessions."""
