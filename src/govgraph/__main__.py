from govgraph.cli import main

main()
