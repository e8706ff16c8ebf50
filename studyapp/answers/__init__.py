"""Reading what the learner typed in a drill and grading it against the engine's answer."""
