"""Organisation scans: list an organisation's repositories, fetch and scan each one as a job
(in-process or on Celery workers), judge it by the organisation policy, record the result.

The register keeps the state (:mod:`openaims.register.org`); this package does the work.
"""
