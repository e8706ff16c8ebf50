"""What the learner sees of their progress: home counts, stats."""
