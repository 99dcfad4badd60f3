"""Staff-side business logic, under the staff API and the console: plain Python, no FastAPI.

Services take a unit of work and typed arguments, raise the domain's errors (:mod:`storage.errors`)
and never commit: the request's unit of work commits once, or rolls back and keeps a refusal's audit.
"""
