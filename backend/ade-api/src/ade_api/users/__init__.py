"""Users: who can sign in, `GET /me`, and the first admin of a new installation."""
