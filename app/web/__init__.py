"""Request plumbing every view shares: errors, security headers, rate limits, input guards, query arguments, request logs, who is signed in, Jinja filters and enum labels."""
