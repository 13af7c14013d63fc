"""Monitoring computations on a batch of predictions: performance, fairness per group (fairlearn)
and drift against a reference batch (scipy). Pure functions over data: nothing here knows the
register; :mod:`openaims.register.monitoring` stores what they compute."""
