"""The régua de cobrança: rulers per company, the reminder job, opt-outs and results.

* :mod:`.rulers` — versioned rulers (publish, load, the production channel check);
* :mod:`.texts` — rendering a reminder (placeholders, opt-out line, SMS fitting);
* :mod:`.run` — the job: stream, plan, reserve, send; :mod:`.send` — one message;
* :mod:`.optouts` — a debtor's "no more messages" per channel;
* :mod:`.status` — delivery callbacks; :mod:`.funnel` — results per phase, step and variant;
* :mod:`.tasks` — the Celery task beat runs every 15 minutes in production.

The rules themselves (quiet hours, caps, stop conditions, the copy checker) are pure domain
code in ``portal.domain.regua*``.
"""

from portal.services.regua.optouts import Preference, opt_in, opt_out, opted_out, preferences

__all__ = ["Preference", "opt_in", "opt_out", "opted_out", "preferences"]
