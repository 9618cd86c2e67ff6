"""Use cases, one package per business context: load rows, call the domain, write rows and
audit records, queue side effects.

Services flush but never commit; the caller (a view, a CLI command, a task) owns the unit
of work (:mod:`portal.core.uow`) and commits once. Each context's ``tasks`` module holds its
Celery tasks; services queue them by name, so no service imports a task module.
"""
