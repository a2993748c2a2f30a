from redress.cli import main

main()
