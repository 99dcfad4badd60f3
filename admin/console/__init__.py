"""The staff web console under /admin: server-rendered pages over the services (never over the API's routes)."""
