"""``flask --app portal …`` commands, one module per topic. Each command is one unit of work
(or, for batch jobs, one per batch) and calls services, never task bodies."""

from __future__ import annotations

from flask import Flask

from portal.cli.api import create_api_key_command
from portal.cli.demo import demo_info_command, demo_totp_command, seed_demo_command
from portal.cli.imports import import_items_command
from portal.cli.jobs import jobs_group
from portal.cli.links import issue_link_command
from portal.cli.reminders import reminders_group
from portal.cli.staff import create_staff_command
from portal.cli.webhook_receiver import webhook_receiver_command

COMMANDS = (
    create_api_key_command,
    import_items_command,
    seed_demo_command,
    demo_info_command,
    demo_totp_command,
    issue_link_command,
    create_staff_command,
    jobs_group,
    reminders_group,
    webhook_receiver_command,
)


def register_cli(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
