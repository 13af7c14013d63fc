"""HTTP routes: sign-in, pages and the JSON API."""
