"""EU AI Act classification: the questionnaire (data) and the pure classifier."""
