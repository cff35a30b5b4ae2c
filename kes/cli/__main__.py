from kes.cli.main import cli

cli()
