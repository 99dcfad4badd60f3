"""The staff API under /api: every route requires login and is limited to the caller's region.

Routes are thin: they read and validate the request, call a service (:mod:`admin.services`) and
shape the answer; a domain error becomes an RFC 9457 problem in one handler (:mod:`admin.web.errors`).
"""
