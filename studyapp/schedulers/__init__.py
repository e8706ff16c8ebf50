"""The schedulers as pure functions: (state, grade, day) -> next state. No database, no clock.

They sit below the store, which keeps their states, and below the sessions that use them."""
