"""The AI Risk Hub: a FastAPI application over the register.

Routes parse input, call one service and render; rules live in the services.
"""
