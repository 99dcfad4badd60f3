"""One repository per aggregate, each over the session and vault of a unit of work (:class:`storage.repo.Store`)."""
