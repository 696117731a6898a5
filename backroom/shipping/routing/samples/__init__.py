"""Sample route requests (package data): ``backroom routes sample`` prints ``berlin.json``."""
