"""The ``telco-mart`` command line: :mod:`telco_mart.cli.app` assembles the command groups,
:mod:`telco_mart.cli.main` is the entry point, :mod:`telco_mart.cli.console` the shared leaf."""
