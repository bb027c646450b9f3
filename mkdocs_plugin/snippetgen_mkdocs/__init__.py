"""Docs front-ends for Markdown: `arena-snippet` blocks in pages become the panel's tabs.

The renderer they share with the Sphinx extension is `snippetgen.docs`; `fence` is the
pymdownx.superfences custom fence (Zensical, MkDocs, Python-Markdown), `markdown` writes a
rendered block as Markdown, `plugin` is the MkDocs plugin, which registers the fence.
"""
