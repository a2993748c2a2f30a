from redress.frontends.cli import main

main()
