// Temporary stand-ins so the service can serve `/openapi.json` and `/` before the real
// documents (Docs/OpenAPIDocument.swift, Docs/WebPage.swift) land. Delete at merge.

/// The OpenAPI 3 document of the HTTP API (placeholder).
public enum OpenAPIDocument {
    public static let json = """
        {"openapi": "3.0.3", "info": {"title": "nanovlm", "version": "\(ServiceVersion.string)"}, "paths": {}}
        """
}

/// The web page served at `/` (placeholder).
public enum WebPage {
    public static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>nanovlm</title></head>
        <body><h1>nanovlm</h1><p>Try <a href="/v1/search/images?q=pink+circle+top">a search</a>.</p></body></html>
        """
}
