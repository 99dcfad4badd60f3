"""The staff API under /api: every route requires login and is limited to the caller's region."""
