"""``make bench``: the portal and a bare Flask app under the same gunicorn, measured in one run.

See docs/performance.md for what is measured, how to read the figures and the latest ones.
"""
