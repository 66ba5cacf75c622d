//! Swagger UI at /docs from the embedded files.

use tessera_openapi::{SwaggerUi, docs_response};

/// The `src` and `href` values of a page.
fn refs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').expect("closing quote");
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    out
}

fn text(path: &str) -> String {
    let f = docs_response(path).unwrap_or_else(|| panic!("{path} is served"));
    assert_eq!(f.status, 200, "{path}");
    String::from_utf8(f.body.into_owned()).expect("UTF-8")
}

#[test]
fn page_at_docs_with_absolute_asset_paths_that_resolve() {
    let page = docs_response("/docs").expect("the page");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        page.headers().collect::<Vec<_>>(),
        [("content-type", "text/html; charset=utf-8")]
    );
    let html = String::from_utf8(page.body.into_owned()).expect("UTF-8");
    assert!(html.contains("<div id=\"swagger-ui\"></div>"));
    let refs = refs(&html);
    assert_eq!(refs.len(), 7, "{refs:?}");
    for r in &refs {
        // Relative paths would resolve against /docs to /swagger-ui.css and so on.
        assert!(r.starts_with("/docs/"), "{r}");
        let asset = docs_response(r).unwrap_or_else(|| panic!("{r} is not served"));
        assert_eq!(asset.status, 200, "{r}");
        assert!(asset.body.len() > 100, "{r} is {} bytes", asset.body.len());
        let ct = asset.content_type.expect("a content type");
        let want = match r.rsplit('.').next() {
            Some("css") => "text/css",
            Some("js") => "javascript",
            Some("png") => "image/png",
            other => panic!("unexpected asset type {other:?}"),
        };
        assert!(ct.contains(want), "{r}: {ct}");
    }
    for script in [
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-initializer.js",
    ] {
        assert!(refs.contains(&format!("/docs/{script}")), "{script}");
    }
    assert!(text("/docs/swagger-ui-bundle.js").contains("SwaggerUIBundle"));
    // The PNG signature.
    let icon = docs_response("/docs/favicon-32x32.png").expect("icon");
    assert_eq!(&icon.body[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn initializer_loads_openapi_json_without_persisting_authorization() {
    let js = text("/docs/swagger-initializer.js");
    assert!(js.contains("\"url\": \"/openapi.json\""), "{js}");
    assert!(js.contains("\"persistAuthorization\": false"), "{js}");
    assert!(js.contains("\"layout\": \"BaseLayout\""), "{js}");
    assert!(js.contains("\"dom_id\": \"#swagger-ui\""), "{js}");
    assert!(js.contains("SwaggerUIBundle({"), "{js}");
    assert!(!js.contains("{{config}}"));
    assert!(
        !js.contains("petstore"),
        "the upstream default document is gone"
    );
}

#[test]
fn trailing_slashes_and_index_are_left_to_the_application() {
    // The stock index.html must never be reachable: its assets would not load.
    for path in [
        "/docs/",
        "/docs//",
        "/docs///",
        "/docs/index.html",
        "/docs/swagger-ui.css/",
    ] {
        assert!(docs_response(path).is_none(), "{path}");
    }
}

#[test]
fn nothing_else() {
    for path in [
        "/",
        "",
        "/doc",
        "/docsx",
        "/docs.json",
        "/openapi.json",
        "/docs/nope.js",
        "/docs//swagger-ui.css",
        "/docs/../Cargo.toml",
        "/docs/%2e%2e/Cargo.toml",
        "/docs/swagger-ui.css/",
        "/docs/./swagger-ui.css",
        "/DOCS",
        "docs",
    ] {
        assert!(docs_response(path).is_none(), "{path:?}");
    }
}

#[test]
fn another_mount_point() {
    let ui = SwaggerUi::new("/api/docs/", "/api/openapi.json").title("Pets & <Co>");
    assert_eq!(ui.mount(), "/api/docs");
    assert_eq!(ui.spec_url(), "/api/openapi.json");
    assert!(ui.claims("/api/docs") && ui.claims("/api/docs/x.js"));
    assert!(!ui.claims("/api/docsx") && !ui.claims("/docs"));
    let page = ui.response("/api/docs").expect("page");
    let html = String::from_utf8(page.body.into_owned()).expect("UTF-8");
    assert!(
        html.contains("<title>Pets &amp; &lt;Co&gt;</title>"),
        "{html}"
    );
    for r in refs(&html) {
        assert!(r.starts_with("/api/docs/"), "{r}");
        assert_eq!(ui.response(&r).expect("served").status, 200);
    }
    assert!(ui.response("/docs").is_none());
    assert!(ui.response("/api/docs/").is_none());
    let js = ui.response("/api/docs/swagger-initializer.js").expect("js");
    assert!(String::from_utf8_lossy(&js.body).contains("\"url\": \"/api/openapi.json\""));
    assert_eq!(SwaggerUi::new("docs", "/o.json").mount(), "/docs");
}
