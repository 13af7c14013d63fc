"""Organisation scans in the register: sources and their repositories, runs and jobs.

The work itself (listing a hosting API, fetching, scanning, queueing) is done by
:mod:`openaims.org`; this package keeps its state and the rules about it.
"""
