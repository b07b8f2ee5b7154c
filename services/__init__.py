"""Domain rules of twofa: policy, credentials, tokens, sessions, enrollment, audit."""
