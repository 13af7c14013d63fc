"""AI Bill of Materials writers: CycloneDX ML-BOM and SPDX 3 with the AI profile.

``inventory`` groups the findings of a scan into what a BOM lists (shared by
both formats), ``purl`` builds package URLs, ``cyclonedx`` and ``spdx`` write
and check the documents. The mapping is documented in ``docs/aibom.md``.
"""
