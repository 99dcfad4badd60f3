"""HTTP plumbing of the staff site: sessions and logins, CSRF, security headers, body limits, problems, docs."""
