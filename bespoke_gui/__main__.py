from bespoke_gui.cli import main

raise SystemExit(main())
