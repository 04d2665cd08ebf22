"""The Flask application: wires validators, feeds and vocab to the database and HTTP."""
