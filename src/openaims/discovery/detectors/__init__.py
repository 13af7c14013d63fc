"""discovery/detectors."""
