"""Who may do what: provider API tokens (tokens), server-side sign-ins (web_sessions), the
office's named accounts with roles (users, passwords, totp; pages check them with
`admin.require_role(*roles)` / `admin.require_admin()`), lockout (ratelimit), CSRF (csrf) and
the immutable audit log (audit)."""
