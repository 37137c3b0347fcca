class TokenConverter:
    """The URL-safe base64 alphabet of our tokens only: anything else (a NUL byte, a slash) is not
    a token and is refused at routing, before it can reach the database."""

    regex = "[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
