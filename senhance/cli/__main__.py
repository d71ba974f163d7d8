"""``python -m senhance.cli COMMAND ...``: the ``senhance`` umbrella (see :mod:`senhance.cli.main`)."""
from senhance.cli.main import main

main()
