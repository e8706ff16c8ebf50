"""studyapp: SM-2 flashcards and engine-computed drills for learning how neural networks work."""

__version__ = "0.1.0"
