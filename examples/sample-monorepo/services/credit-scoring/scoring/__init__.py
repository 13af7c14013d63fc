"""Credit risk scoring."""
