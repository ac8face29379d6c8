"""A company's queue of pending hours, approval in bulk, and the entries waiting too long."""
