"""register/services."""
