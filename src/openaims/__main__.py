from openaims.cli.main import main

main()
