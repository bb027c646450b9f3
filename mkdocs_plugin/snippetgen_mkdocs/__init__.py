"""Docs front-ends: `arena-snippet` blocks in pages become the panel's tabs.

`renderer` turns a block into tabs (front-end neutral); `fence` is the pymdownx.superfences
custom fence (Zensical, MkDocs, Python-Markdown); `plugin` the MkDocs plugin, which registers it.
"""
