"""Todo AI Chatbot contract on FastAPI + SQLite, with a PyJWT or python-jose verifier.

An interop target for authconform: TEST ONLY, loopback only. See ../README.md.
"""
