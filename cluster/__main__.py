"""``python -m cluster up|down|status`` (``make cluster-up`` / ``make cluster-down``)."""

from __future__ import annotations

import sys

from cluster.topology import Cluster


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "status"
    cluster = Cluster()
    if command == "up":
        cluster.up()
        print(f"cluster up: {cluster.url} (HAProxy) -> {cluster.app_url(1)}, {cluster.app_url(2)}")
        print(f"state, logs and e-mails: {cluster.state}")
    elif command == "down":
        cluster.down()
        print("cluster down")
    elif command == "status":
        for name, alive in cluster.status().items():
            print(f"{name:8} {'running' if alive else 'stopped'}")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
