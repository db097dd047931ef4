"""`python -m dataops_spiders.cli`: the same as the `dataops` command."""

from dataops_spiders.cli import main

main()
