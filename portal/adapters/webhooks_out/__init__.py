"""Outgoing webhooks to companies: URL safety (SSRF guard), signing and the HTTP sender."""
