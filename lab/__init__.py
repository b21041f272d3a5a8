"""lab: live polling for participation workshops."""
