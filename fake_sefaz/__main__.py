from fake_sefaz.cli import main
import sys
sys.exit(main())
