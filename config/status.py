"""The two refusals our forms and actions answer with. htmx is configured (base.html) to swap
both into the page like a success, so the message shows where the user is looking."""

INVALID = 422  # the input is wrong: errors next to their fields
CONFLICT = 409  # the input is fine but the object's state refuses it (a closed round, say)
