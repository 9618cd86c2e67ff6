"""Authentication plumbing: tokens, one-time codes, sessions, decorators, rate limits."""
