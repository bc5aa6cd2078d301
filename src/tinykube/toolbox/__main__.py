"""`python -m tinykube.toolbox …`: the toolbox without the rest of the command line."""

from tinykube.toolbox.command import main

raise SystemExit(main())
