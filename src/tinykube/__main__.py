from tinykube.cli.main import main

raise SystemExit(main())
