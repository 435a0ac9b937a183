"""The HTTP API (`/api/v1`): thin routers that check who calls, call one service, and shape the answer. No SQL."""
