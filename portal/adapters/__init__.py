"""Adapters: the only code that talks to the outside world.

Each adapter is a ``typing.Protocol`` with a real implementation and a fake one (for the
embedded default and the tests). Nothing here imports models or services.
"""
