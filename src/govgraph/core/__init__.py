"""What every other part builds on: errors, the generated vocabulary, the IRIs govgraph mints, shipped resources, background jobs and the output folder."""
