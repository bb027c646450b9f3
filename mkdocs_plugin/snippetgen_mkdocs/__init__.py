"""MkDocs plugin: `arena-snippet` blocks in docs pages become the panel's tabs."""
