from lgs.cli import main

main()
