"""Reminder-link tokens: 22 base64url characters, each drawn uniformly from the 64."""

from __future__ import annotations

from portal.core.tokens import BASE64URL, REMINDER_TOKEN, new_reminder_token, token_hash


def test_reminder_tokens_keep_their_shape_and_draw_every_character_everywhere() -> None:
    tokens = [new_reminder_token() for _ in range(3_000)]
    assert all(REMINDER_TOKEN.fullmatch(token) for token in tokens)
    assert len(set(tokens)) == len(tokens)
    for position in range(22):  # a missing symbol here has odds of about 10^-19
        assert {token[position] for token in tokens} == set(BASE64URL), position
    assert len(token_hash(tokens[0])) == 64
