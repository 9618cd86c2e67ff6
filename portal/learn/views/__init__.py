"""Views of the learning pages, one module per feature."""
