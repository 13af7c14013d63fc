"""The ``aims`` command line: thin commands over the services."""
