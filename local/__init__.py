"""Local development stack: moto server, bootstrap, queue pump, chalice local, issuer CLI."""
