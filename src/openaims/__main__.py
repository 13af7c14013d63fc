from openaims.cli.main import entry

entry()
