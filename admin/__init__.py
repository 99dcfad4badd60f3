"""The staff side of intake and the composition root: settings, app factory, the `intake` command."""
