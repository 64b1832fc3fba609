from ade_cli.main import main

main()
